import type { Context, MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import { roleAtLeast } from "../auth/roles.ts";
import { SESSION_COOKIE, type WebSession, WebSessions } from "../auth/web-sessions.ts";
import type { AgentServices } from "../services.ts";
import type { PeerRoutes } from "./servers.ts";

export const CSRF_HEADER = "x-csrf-token";

export type UiRoutes = PeerRoutes & {
  Variables: PeerRoutes["Variables"] & { session?: WebSession };
};

const SAFE_METHODS = new Set(["GET", "HEAD"]);

/** The signed-in session a request's cookie names, still valid (not expired, key not revoked). */
export async function sessionOf(
  services: AgentServices,
  c: Context<UiRoutes>,
): Promise<WebSession | undefined> {
  const session = services.webSessions.get(getCookie(c, SESSION_COOKIE));
  if (!session) return undefined;
  return (await services.authenticator.check(session.identity)) === "valid" ? session : undefined;
}

/**
 * Dashboard requests: a live session (else pages redirect to sign-in, other requests get 401),
 * and on every state change the session's anti-CSRF token, from the form field `csrf` or the
 * X-CSRF-Token header, plus a same-origin Origin when the browser sends one.
 */
export function requireSession(services: AgentServices): MiddlewareHandler<UiRoutes> {
  return async (c, next) => {
    const session = await sessionOf(services, c);
    if (!session) {
      if (c.req.method === "GET" && c.req.header("accept")?.includes("text/html")) {
        const { pathname, search } = new URL(c.req.url);
        const next = encodeURIComponent(pathname + search);
        return c.redirect(`/login?next=${next}`, 303);
      }
      return c.text("sign in first\n", 401);
    }
    if (!SAFE_METHODS.has(c.req.method)) {
      if (!sameOrigin(c)) return c.text("cross-site request refused\n", 403);
      const given = c.req.header(CSRF_HEADER) ?? (await formField(c, "csrf"));
      if (!WebSessions.csrfMatches(session, given)) {
        return c.text("missing or wrong anti-CSRF token\n", 403);
      }
    }
    c.set("session", session);
    c.set("identity", session.identity);
    return next();
  };
}

/** Refuses callers below `role` (the page or action is not theirs). */
export function requireRole(role: "operator" | "admin"): MiddlewareHandler<UiRoutes> {
  return async (c, next) => {
    const identity = c.get("identity");
    if (!identity || !roleAtLeast(identity.role, role)) {
      return c.text(`this needs the ${role} role\n`, 403);
    }
    return next();
  };
}

/** An Origin header, when sent, names this server (browsers send one on every POST). */
export function sameOrigin(c: Context<UiRoutes>): boolean {
  const origin = c.req.header("origin");
  if (origin === undefined) return true;
  return origin === new URL(c.req.url).origin;
}

/** The dashboard's forms are small; a bigger body is not read for its token (refused instead). */
export const MAX_FORM_BYTES = 16 * 1024;

async function formField(c: Context<UiRoutes>, name: string): Promise<string | undefined> {
  const type = c.req.header("content-type") ?? "";
  if (!type.startsWith("application/x-www-form-urlencoded") && !type.startsWith("multipart/")) {
    return undefined;
  }
  // Checked before this route's own body limit runs: never buffer a large body to look for it.
  const length = Number(c.req.header("content-length"));
  if (!(length <= MAX_FORM_BYTES)) return undefined;
  const value = (await c.req.parseBody())[name];
  return typeof value === "string" ? value : undefined;
}
