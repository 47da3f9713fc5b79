import type { Context, MiddlewareHandler } from "hono";
import { logIn } from "../auth/log-in.ts";
import type { AgentServices } from "../services.ts";
import type { PeerRoutes } from "./servers.ts";

/** A JWT or API key from `Authorization: Bearer …` or `X-API-Key`, if the request has one. */
function requestCredential(c: Context<PeerRoutes>): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(c.req.header("authorization") ?? "")?.[1];
  return bearer ?? c.req.header("x-api-key");
}

/**
 * Hono middleware: the request's credential checked like `authenticate` does, under the same
 * per-address failed-login limit; the caller's identity is then `c.var.identity` for the
 * routes behind it. Refused: 401 (or 429 while the address is locked out). Requests `exempt`
 * says need none pass untouched (a signed download URL, a local health check).
 */
export function requireIdentity(
  services: AgentServices,
  exempt: (c: Context<PeerRoutes>) => boolean = () => false,
): MiddlewareHandler<PeerRoutes> {
  return async (c, next) => {
    if (exempt(c)) return next();
    const unauthorized = () =>
      c.text("authentication required\n", 401, { "WWW-Authenticate": "Bearer" });
    const credential = requestCredential(c);
    if (credential === undefined) return unauthorized();
    const outcome = await logIn(
      services.authenticator,
      services.loginThrottle,
      c.env?.remoteAddress ?? "unknown",
      credential,
    );
    if (outcome.ok) {
      c.set("identity", outcome.identity);
      return next();
    }
    if (outcome.reason === "throttled") {
      return c.text("too many failed logins from this address\n", 429, {
        "Retry-After": String(Math.ceil(outcome.retryAfterMs / 1000)),
      });
    }
    return unauthorized();
  };
}
