import { createHash, randomBytes } from "node:crypto";

export interface ChallengeLogin {
  /** The request's method and URI, as sent (Digest signs them). */
  method: string;
  uri: string;
  username: string;
  password: string;
}

/**
 * The Authorization header answering a server's WWW-Authenticate challenges (RFC 7616 Digest
 * with MD5, preferred; else RFC 7617 Basic), as cameras use them on RTSP and HTTP alike.
 * Undefined when no challenge is one this agent can answer.
 */
export function answerChallenge(challenges: string[], login: ChallengeLogin): string | undefined {
  const digest = challenges.find((challenge) => /^digest\s/i.test(challenge));
  if (digest) return digestAnswer(challengeParams(digest.slice(7)), login);
  if (challenges.some((challenge) => /^basic\b/i.test(challenge))) {
    return `Basic ${Buffer.from(`${login.username}:${login.password}`).toString("base64")}`;
  }
  return undefined;
}

function digestAnswer(params: Map<string, string>, login: ChallengeLogin): string | undefined {
  const realm = params.get("realm") ?? "";
  const nonce = params.get("nonce") ?? "";
  const algorithm = params.get("algorithm");
  if (algorithm && algorithm.toUpperCase() !== "MD5") return undefined;
  const md5 = (text: string) => createHash("md5").update(text).digest("hex");
  const ha1 = md5(`${login.username}:${realm}:${login.password}`);
  const ha2 = md5(`${login.method}:${login.uri}`);
  const qop = params
    .get("qop")
    ?.split(",")
    .map((value) => value.trim())
    .includes("auth");
  const fields = [
    `username="${quoted(login.username)}"`,
    `realm="${quoted(realm)}"`,
    `nonce="${quoted(nonce)}"`,
    `uri="${login.uri}"`,
  ];
  if (qop) {
    const cnonce = randomBytes(8).toString("hex");
    fields.push(
      "qop=auth",
      "nc=00000001",
      `cnonce="${cnonce}"`,
      `response="${md5(`${ha1}:${nonce}:00000001:${cnonce}:auth:${ha2}`)}"`,
    );
  } else {
    fields.push(`response="${md5(`${ha1}:${nonce}:${ha2}`)}"`);
  }
  const opaque = params.get("opaque");
  if (opaque !== undefined) fields.push(`opaque="${quoted(opaque)}"`);
  return `Digest ${fields.join(", ")}`;
}

/** key="value" and key=value pairs of a challenge. */
function challengeParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const match of text.matchAll(/([a-zA-Z]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params.set((match[1] ?? "").toLowerCase(), match[2] ?? match[3] ?? "");
  }
  return params;
}

function quoted(value: string): string {
  return value.replace(/["\\]/g, "\\$&");
}
