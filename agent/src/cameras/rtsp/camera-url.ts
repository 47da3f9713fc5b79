// A network camera's stream URL as the agent keeps it: rtsp://host[:port]/path[?query], with
// any login taken out into separate credentials, so the URL itself can be shown and logged.

/** Longest URL accepted: cameras' own are far shorter; the bound keeps input cheap. */
export const MAX_URL_LENGTH = 2048;

export interface CameraUrl {
  /** Without a login; host lowercased. */
  url: string;
  /** From the URL's own user:password@, when it had one (decoded). */
  username: string | undefined;
  password: string | undefined;
}

/** Parses what a user typed; throws an Error saying what is wrong (never echoing a login). */
export function parseCameraUrl(input: string): CameraUrl {
  if (input.length > MAX_URL_LENGTH) throw new Error(`longer than ${MAX_URL_LENGTH} characters`);
  // Controls and spaces are what break out of a command line or a config value: refused here,
  // whatever a URL parser would make of them.
  if (/[\s\p{Cc}]/u.test(input)) throw new Error("contains spaces or control characters");
  let parsed: URL;
  try {
    parsed = new URL(input);
  } catch {
    throw new Error('is not a URL such as "rtsp://192.168.1.20:554/stream1"');
  }
  if (parsed.protocol !== "rtsp:")
    throw new Error(`must start with rtsp:// (not ${parsed.protocol.slice(0, 10)}//)`);
  if (parsed.hostname === "") throw new Error("has no host");
  if (parsed.hash !== "") throw new Error("must not have a #fragment");
  const port = parsed.port === "" ? "" : `:${parsed.port}`;
  const path = parsed.pathname === "" ? "/" : parsed.pathname;
  return {
    url: `rtsp://${parsed.hostname.toLowerCase()}${port}${path}${parsed.search}`,
    username: parsed.username === "" ? undefined : decode(parsed.username),
    password: parsed.password === "" ? undefined : decode(parsed.password),
  };
}

/** The URL with the login put back, percent-encoded: what MediaMTX and ffmpeg are given. */
export function withLogin(url: string, username: string, password: string): string {
  if (username === "") return url;
  const login = `${encodeURIComponent(username)}${password === "" ? "" : `:${encodeURIComponent(password)}`}@`;
  return url.replace("rtsp://", `rtsp://${login}`);
}

/** Identity of a network camera in the registry: the URL without login or default port. */
export function urlIdentity(url: string): string {
  return url.replace(/^rtsp:\/\/([^/]+):554\//, "rtsp://$1/");
}

function decode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    throw new Error("has a login with invalid %-escapes");
  }
}
