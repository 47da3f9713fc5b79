import type { Server } from "bun";
import type { Hono } from "hono";
import type { AgentConfig } from "../config/schema.ts";
import type { SocketData, WebSocketGateway } from "./websocket-gateway.ts";

export interface Listeners {
  main: Server<SocketData>;
  health: Server<undefined> | undefined;
}

/** The API port (WebSocket + HTTP routes) and, unless `health.port` is 0, the health port. */
export function listen(
  config: AgentConfig,
  gateway: WebSocketGateway,
  app: Hono,
  healthApp: Hono,
): Listeners {
  const main = Bun.serve<SocketData>({
    hostname: config.server.host,
    port: config.server.port,
    fetch(request, server) {
      if (new URL(request.url).pathname === config.server.websocket_path) {
        return gateway.upgrade(request, server);
      }
      return app.fetch(request);
    },
    websocket: gateway.handlers(),
  });
  let health: Server<undefined> | undefined;
  try {
    health =
      config.health.port === 0
        ? undefined
        : Bun.serve({
            hostname: config.health.host,
            port: config.health.port,
            fetch: (request) => healthApp.fetch(request),
          });
  } catch (error) {
    main.stop(true);
    throw error;
  }
  return { main, health };
}
