import { timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Authenticator } from "../auth/authenticator.ts";
import type { LoginThrottle } from "../auth/login-throttle.ts";
import type { Logger } from "../log/logger.ts";
import { isLoopback } from "../util/loopback.ts";
import type { MediamtxCredentials } from "./credentials.ts";

/** What MediaMTX posts to authHTTPAddress before every publish, read, playback or API call. */
const requestSchema = z.looseObject({
  ip: z.string(),
  user: z.string().prefault(""),
  password: z.string().prefault(""),
  token: z.string().prefault(""),
  action: z.string(),
  path: z.string().prefault(""),
  protocol: z.string().prefault(""),
  query: z.string().prefault(""),
});

const VIEWER_ACTIONS = new Set(["read", "playback"]);

/**
 * MediaMTX's authMethod: http decision. The agent's own login may do anything (publishing
 * only from this machine); viewers need a JWT or API key the JSON-RPC API would accept, given
 * as a bearer token, as the password (rtsp://any:<credential>@host/camera0), or as the `jwt`
 * or `key` query parameter. Everyone else is refused.
 */
export async function authorizeMediaRequest(
  body: unknown,
  agent: MediamtxCredentials | undefined,
  authenticator: Authenticator,
  throttle: LoginThrottle,
  log: Logger,
): Promise<{ allowed: boolean; reason: string }> {
  const parsed = requestSchema.safeParse(body);
  if (!parsed.success) return { allowed: false, reason: "malformed request" };
  const request = parsed.data;
  if (agent && request.user === agent.user && sameSecret(request.password, agent.password)) {
    if (request.action === "publish" && !isLoopback(request.ip)) {
      return { allowed: false, reason: "publishing is only allowed from this machine" };
    }
    return { allowed: true, reason: "agent" };
  }
  if (!VIEWER_ACTIONS.has(request.action))
    return { allowed: false, reason: `${request.action} is reserved to the agent` };
  const query = new URLSearchParams(request.query);
  const credential =
    request.token || request.password || query.get("jwt") || query.get("key") || "";
  if (credential === "") return { allowed: false, reason: "no credential" };
  // RTSP, HLS and WebRTC clients guess at keys too: the same per-address limit as the API.
  const outcome = await throttle.attempt(request.ip, () => authenticator.authenticate(credential));
  if (!outcome.ok) return { allowed: false, reason: outcome.reason };
  log.debug(
    {
      user: outcome.identity.userId,
      action: request.action,
      path: request.path,
      protocol: request.protocol,
    },
    "media access allowed",
  );
  return { allowed: true, reason: outcome.identity.role };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
