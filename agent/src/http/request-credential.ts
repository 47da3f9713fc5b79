import type { Context } from "hono";
import type { AgentServices } from "../services.ts";
import type { PeerRoutes } from "./servers.ts";

/** A JWT or API key from `Authorization: Bearer …` or `X-API-Key`, if the request has one. */
export function requestCredential(c: Context<PeerRoutes>): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
  return bearer ?? c.req.header("x-api-key");
}

/**
 * Checks the request's credential like `authenticate` does, under the same per-address
 * failed-login limit. Undefined when it is accepted; otherwise the answer to send (401, 429).
 */
export async function refuseUnlessAuthenticated(
  c: Context<PeerRoutes>,
  services: AgentServices,
): Promise<Response | undefined> {
  const credential = requestCredential(c);
  const unauthorized = () =>
    c.text("authentication required\n", 401, { "WWW-Authenticate": "Bearer" });
  if (credential === undefined) return unauthorized();
  const outcome = await services.loginThrottle.attempt(c.env?.remoteAddress ?? "unknown", () =>
    services.authenticator.authenticate(credential),
  );
  if (outcome.ok) return undefined;
  if (outcome.reason === "throttled") {
    return c.text("too many failed logins from this address\n", 429, {
      "Retry-After": String(Math.ceil(outcome.retryAfterMs / 1000)),
    });
  }
  return unauthorized();
}
