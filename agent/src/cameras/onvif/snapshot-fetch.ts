import { answerChallenge } from "../login-challenge.ts";

/** Largest still accepted from a camera's snapshot URI. */
const MAX_JPEG_BYTES = 16 * 1024 * 1024;

/**
 * One JPEG from a camera's ONVIF snapshot URI, answering its Basic or Digest challenge.
 * Bounded in time and size; anything but a JPEG is refused. Errors never carry the login.
 */
export async function fetchSnapshot(
  url: string,
  login: { username: string; password: string },
  timeoutMs: number,
): Promise<Uint8Array> {
  const signal = AbortSignal.timeout(timeoutMs);
  const target = new URL(url);
  let response = await fetch(target, { signal, redirect: "error" });
  if (response.status === 401 && login.username !== "") {
    const challenge = response.headers.get("www-authenticate");
    await response.arrayBuffer();
    const authorization = answerChallenge(challenge ? [challenge] : [], {
      method: "GET",
      uri: `${target.pathname}${target.search}`,
      username: login.username,
      password: login.password,
    });
    if (!authorization) throw new Error("the snapshot URI asks for a login this agent cannot give");
    response = await fetch(target, {
      signal,
      redirect: "error",
      headers: { Authorization: authorization },
    });
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new Error(
      response.status === 401
        ? "the snapshot URI refused the username or password"
        : `the snapshot URI answered ${response.status}`,
    );
  }
  const declared = Number(response.headers.get("content-length") ?? 0);
  if (declared > MAX_JPEG_BYTES) {
    await response.body?.cancel();
    throw new Error("the snapshot is larger than 16 MiB");
  }
  const bytes = await readAtMost(response, MAX_JPEG_BYTES);
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8)
    throw new Error("the snapshot URI did not answer with a JPEG");
  return bytes;
}

/** The body, refused as soon as it passes `limit` bytes (a camera may not declare a length). */
async function readAtMost(response: Response, limit: number): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    size += next.value.length;
    if (size > limit) {
      await reader?.cancel();
      throw new Error("the snapshot is larger than 16 MiB");
    }
    chunks.push(next.value);
  }
  return Buffer.concat(chunks);
}
