// Fetching an update bundle over https into the state volume, bounded by the bundle size
// limit and the free space, so a download can neither fill the disk nor run forever.
import { open, rename, rm } from "node:fs/promises";

/** RAUC's own limit on the image (max-bundle-download-size). */
export const MAX_BUNDLE_BYTES = 2 * 1024 ** 3;
const DOWNLOAD_TIMEOUT_MS = 30 * 60_000;

const mib = (bytes: number) => `${Math.ceil(bytes / 1024 ** 2)} MiB`;

/** Downloads `url` to `target` (via a temporary file); throws naming the cause. */
export async function downloadBundle(
  url: string,
  target: string,
  freeBytes: number,
): Promise<void> {
  const limit = Math.min(MAX_BUNDLE_BYTES, freeBytes);
  const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) }).catch(
    (error: unknown) => {
      throw new Error(`cannot fetch ${url}: ${(error as Error).message}`);
    },
  );
  if (!response.ok || !response.body) {
    throw new Error(`cannot fetch ${url}: HTTP ${response.status}`);
  }
  const announced = Number(response.headers.get("content-length") ?? Number.NaN);
  const tooBig = (bytes: number) =>
    bytes > MAX_BUNDLE_BYTES
      ? `the bundle is larger than ${mib(MAX_BUNDLE_BYTES)}`
      : `too little free space: the bundle needs ${mib(bytes)}, ${mib(Math.max(freeBytes, 0))} free`;
  if (announced > limit) {
    await response.body.cancel();
    throw new Error(tooBig(announced));
  }
  const partial = `${target}.partial`;
  const file = await open(partial, "w", 0o640);
  let written = 0;
  try {
    for await (const chunk of response.body) {
      written += chunk.byteLength;
      if (written > limit) throw new Error(tooBig(written));
      await file.write(chunk);
    }
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(partial, { force: true });
    throw error;
  }
  await file.close();
  await rename(partial, target);
}
