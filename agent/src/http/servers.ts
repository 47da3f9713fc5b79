import { readFileSync } from "node:fs";
import type { Server } from "bun";
import type { Hono } from "hono";
import type { Identity } from "../auth/authenticator.ts";
import type { AgentConfig } from "../config/schema.ts";
import { MEDIA_AUTH_PATH } from "../mediamtx/media-auth-path.ts";
import { isLoopback } from "../util/loopback.ts";
import type { SocketData, WebSocketGateway } from "./websocket-gateway.ts";

/** What routes learn about the connection (Hono's env): file routes throttle failed logins by it. */
export interface PeerEnv {
  remoteAddress: string;
}

/**
 * Hono's env for our routes: the peer (partial: tests call the app without it) and, behind
 * requireIdentity, the caller's identity.
 */
export type PeerRoutes = { Bindings: Partial<PeerEnv>; Variables: { identity?: Identity } };

function peerOf(request: Request, server: Server<unknown>): PeerEnv {
  return { remoteAddress: server.requestIP(request)?.address ?? "unknown" };
}

export interface Listeners {
  main: Server<SocketData>;
  health: Server<undefined> | undefined;
}

/** The API port (WebSocket + HTTP routes) and, unless `health.port` is 0, the health port. */
/** Answers MediaMTX's authentication hook (only ever asked from this machine). */
export type MediaAuthHandler = (request: Request) => Promise<Response>;

export function listen(
  config: AgentConfig,
  gateway: WebSocketGateway,
  app: Hono<PeerRoutes>,
  healthApp: Hono<PeerRoutes>,
  mediaAuth: MediaAuthHandler,
): Listeners {
  const tls = tlsOptions(config);
  const main = bind("API", "server.host/server.port", config.server.host, config.server.port, () =>
    Bun.serve<SocketData>({
      hostname: config.server.host,
      port: config.server.port,
      ...(tls ? { tls } : {}),
      fetch(request, server) {
        const { pathname } = new URL(request.url);
        if (pathname === config.server.websocket_path) return gateway.upgrade(request, server);
        if (pathname === MEDIA_AUTH_PATH) {
          // Not for the LAN: nobody else gets to test credentials against it.
          const peer = server.requestIP(request)?.address ?? "";
          if (!isLoopback(peer) || request.method !== "POST")
            return new Response("not found\n", { status: 404 });
          return mediaAuth(request);
        }
        return app.fetch(request, peerOf(request, server));
      },
      websocket: gateway.handlers(),
    }),
  );
  if (config.health.port === 0) return { main, health: undefined };
  try {
    const health = bind(
      "health",
      "health.host/health.port",
      config.health.host,
      config.health.port,
      () =>
        Bun.serve({
          hostname: config.health.host,
          port: config.health.port,
          fetch: (request, server) => healthApp.fetch(request, peerOf(request, server)),
        }),
    );
    return { main, health };
  } catch (error) {
    main.stop(true);
    throw error;
  }
}

/** wss:// and https:// on the API port when a certificate is configured; read now, so a
 * missing or unreadable file is reported by its key instead of failing inside the runtime. */
function tlsOptions(config: AgentConfig): { cert: string; key: string } | undefined {
  const { tls_cert: cert, tls_key: key } = config.server;
  if (cert === undefined || key === undefined) return undefined;
  const read = (path: string, setting: string) => {
    try {
      return readFileSync(path, "utf8");
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new Error(`cannot read ${path} (${setting}): ${code}`);
    }
  };
  return { cert: read(cert, "server.tls_cert"), key: read(key, "server.tls_key") };
}

/** Names the listener and its config keys when binding fails (port in use, bad address). */
function bind<S>(what: string, keys: string, host: string, port: number, serve: () => S): S {
  try {
    return serve();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`cannot start the ${what} listener on ${host}:${port} (${keys}): ${reason}`);
  }
}
