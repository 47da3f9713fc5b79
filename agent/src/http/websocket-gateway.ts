import type { Server, ServerWebSocket, WebSocketHandler } from "bun";
import { parse } from "hono/utils/cookie";
import type { Identity } from "../auth/authenticator.ts";
import { SESSION_COOKIE, WebSessions } from "../auth/web-sessions.ts";
import type { AgentConfig } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import type { Counter } from "../metrics/prometheus.ts";
import { RpcConnection } from "../rpc/connection.ts";
import type { RpcEngine } from "../rpc/engine.ts";
import { errorResponse } from "../rpc/envelope.ts";
import { rpcErrors } from "../rpc/errors.ts";
import { RateLimiter } from "../rpc/rate-limit.ts";
import type { HealthComponent } from "../status/component.ts";
import type { WebSocketFanout } from "./websocket-fanout.ts";

export interface SocketData {
  id: string;
  remoteAddress: string;
  host: string;
  port: number;
  connection?: RpcConnection;
  /** Closes the socket unless it has authenticated by then. */
  authDeadline?: Timer;
  /** A dashboard page's socket: signed in by its session cookie and anti-CSRF token. */
  identity?: Identity;
}

const GOING_AWAY = 1001;
const POLICY_VIOLATION = 1008;

/** Owns the /ws endpoint: admission (origin, cap), sessions, and the drain on shutdown. */
export class WebSocketGateway {
  /** Upgrades accepted whose `open` has not fired yet, by address; they count against the caps. */
  private readonly reserved = new Map<string, number>();
  private sequence = 0;
  private accepting = true;
  private readonly cutOff = new WeakSet<RpcConnection>();

  constructor(
    private readonly config: AgentConfig,
    private readonly engine: RpcEngine,
    private readonly log: Logger,
    private readonly counters: { rejected: Counter; slowConsumers: Counter },
    /** Signed-in dashboard browsers, whose pages open sockets with their cookie. */
    private readonly sessions: WebSessions,
    /** Open sessions: the gateway adds and removes them; notifications go to them. */
    private readonly connections: Set<RpcConnection>,
    /** The Notifier's broadcasts to these sockets go out through it. */
    private readonly fanout: WebSocketFanout,
  ) {
    // A browser that signs out (or is pushed out by newer sessions) stops hearing events at
    // once, in every tab: its sockets close instead of waiting for their next call.
    sessions.onEnd((webSessionId) => {
      for (const connection of this.connections) {
        if (connection.identity?.webSessionId === webSessionId)
          connection.close(POLICY_VIOLATION, "signed out");
      }
    });
  }

  upgrade(request: Request, server: Server<SocketData>): Response | undefined {
    if (!this.accepting) return this.refuse("shutdown", 503, "server is shutting down");
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("this endpoint speaks JSON-RPC over WebSocket\n", {
        status: 426,
        headers: { Upgrade: "websocket" },
      });
    }
    const origin = request.headers.get("origin");
    const origins = this.config.server.allowed_origins;
    // The dashboard's own pages are served from here: their origin is always allowed.
    const sameOrigin = origin === new URL(request.url).origin;
    if (origin !== null && !sameOrigin && !origins.includes("*") && !origins.includes(origin)) {
      return this.refuse("origin", 403, "origin not allowed");
    }
    // Browsers always send Origin: a cookie only counts from our own pages (or a non-browser
    // client that holds the cookie and its token anyway).
    const identity = origin === null || sameOrigin ? this.dashboardIdentity(request) : undefined;
    const limits = this.config.limits;
    const reserved = [...this.reserved.values()].reduce((sum, count) => sum + count, 0);
    if (this.connections.size + reserved >= limits.max_connections) {
      return this.refuse("limit", 503, "too many connections");
    }
    // A new socket is unauthenticated: those are capped below max_connections, so sockets
    // that never log in cannot take the slots of sessions that did, and per address.
    const remoteAddress = server.requestIP(request)?.address ?? "unknown";
    const unauthenticated = this.unauthenticated();
    if ((unauthenticated.get("") ?? 0) + reserved >= limits.max_unauthenticated) {
      return this.refuse("unauthenticated", 503, "too many connections waiting to authenticate");
    }
    const fromAddress =
      (unauthenticated.get(remoteAddress) ?? 0) + (this.reserved.get(remoteAddress) ?? 0);
    if (fromAddress >= limits.max_unauthenticated_per_address) {
      return this.refuse("address", 503, "too many unauthenticated connections from this address");
    }
    const data: SocketData = {
      id: `c-${++this.sequence}`,
      remoteAddress,
      host: new URL(request.url).hostname,
      port: Number(new URL(request.url).port) || this.config.server.port,
      ...(identity ? { identity } : {}),
    };
    // Reserved before upgrading: the runtime may call `open` (which releases it) within upgrade().
    this.reserved.set(remoteAddress, (this.reserved.get(remoteAddress) ?? 0) + 1);
    if (server.upgrade(request, { data })) return undefined;
    this.unreserve(remoteAddress);
    return new Response("upgrade failed\n", { status: 400 });
  }

  /**
   * A socket opened by a dashboard page: its session cookie, and the session's anti-CSRF token
   * in `?csrf=` (a page of another site can make the browser send the cookie, but cannot read
   * the token). Anything less and the socket logs in with `authenticate` like any client.
   */
  private dashboardIdentity(request: Request): Identity | undefined {
    const cookies = parse(request.headers.get("cookie") ?? "", SESSION_COOKIE);
    const session = this.sessions.get(cookies[SESSION_COOKIE]);
    if (!session) return undefined;
    const token = new URL(request.url).searchParams.get("csrf");
    return WebSessions.csrfMatches(session, token) ? session.identity : undefined;
  }

  /** Open sockets without an identity, by remote address; "" holds the total. */
  private unauthenticated(): Map<string, number> {
    const counts = new Map<string, number>([["", 0]]);
    for (const connection of this.connections) {
      if (connection.identity) continue;
      counts.set("", (counts.get("") ?? 0) + 1);
      counts.set(connection.remoteAddress, (counts.get(connection.remoteAddress) ?? 0) + 1);
    }
    return counts;
  }

  private unreserve(address: string): void {
    const left = (this.reserved.get(address) ?? 1) - 1;
    if (left > 0) this.reserved.set(address, left);
    else this.reserved.delete(address);
  }

  handlers(): WebSocketHandler<SocketData> {
    return {
      open: (ws) => {
        this.unreserve(ws.data.remoteAddress);
        const connection = new RpcConnection(
          ws.data.id,
          ws.data.remoteAddress,
          ws.data.host,
          ws.data.port,
          new RateLimiter(this.config.limits.requests_per_minute),
          {
            send: (text) => this.deliver(ws, connection, text),
            close: (code, reason) => ws.close(code, reason),
          },
        );
        ws.data.connection = connection;
        connection.identity = ws.data.identity;
        this.connections.add(connection);
        this.fanout.opened(connection, ws, () => this.slowConsumer(connection));
        // Pings are answered by the client's WebSocket stack, so idle_timeout never ends a
        // socket that just sits there: one that does not log in is closed after auth_timeout.
        ws.data.authDeadline = setTimeout(() => {
          if (connection.identity) return;
          this.counters.rejected.inc({ reason: "auth_timeout" });
          connection.close(POLICY_VIOLATION, "authentication timeout");
        }, this.config.server.auth_timeout);
        this.log.debug(
          { connection: connection.id, remote: connection.remoteAddress },
          "socket opened",
        );
      },
      message: async (ws, message) => {
        const connection = ws.data.connection;
        if (!connection) return;
        if (typeof message !== "string") {
          const error = rpcErrors.invalidRequest("binary_frame", "send JSON-RPC as text frames");
          ws.send(JSON.stringify(errorResponse(null, error)));
          return;
        }
        const reply = await this.engine.handleFrame(message, connection);
        if (reply !== undefined) connection.send(reply);
      },
      close: (ws: ServerWebSocket<SocketData>, code) => {
        clearTimeout(ws.data.authDeadline);
        const connection = ws.data.connection;
        if (!connection) return;
        this.connections.delete(connection);
        this.fanout.closed(ws);
        this.log.debug({ connection: connection.id, code }, "socket closed");
      },
      // Frames between the configured limit and this hard cap get a JSON-RPC error; beyond it
      // the runtime closes the socket with 1009 without buffering the rest.
      maxPayloadLength: this.config.limits.max_frame_bytes * 2,
      backpressureLimit: this.config.limits.send_buffer_bytes,
      closeOnBackpressureLimit: true,
      idleTimeout: Math.min(960, Math.max(8, Math.round(this.config.server.idle_timeout / 1000))),
      sendPings: true,
    };
  }

  /** Stop admitting, let running calls finish (bounded), then close every socket with 1001. */
  async shutdown(graceMs: number): Promise<void> {
    this.accepting = false;
    this.engine.drain();
    const timedOut = await Promise.race([
      this.engine.idle().then(() => false),
      Bun.sleep(graceMs).then(() => true),
    ]);
    if (timedOut) this.log.warn({ in_flight: this.engine.inFlight }, "shutdown grace expired");
    for (const connection of this.connections) connection.close(GOING_AWAY, "server shutting down");
  }

  healthComponent(): HealthComponent {
    return {
      name: "websocket_server",
      gatesReadiness: true,
      report: () => ({
        state: this.accepting ? "RUNNING" : "STOPPING",
        health: this.accepting ? "healthy" : "unhealthy",
        message: this.accepting ? "accepting connections" : "shutting down",
        details: {
          connections: this.connections.size,
          max_connections: this.config.limits.max_connections,
        },
      }),
    };
  }

  /**
   * The runtime drops a message and closes the socket once more than `send_buffer_bytes`
   * wait unread (closeOnBackpressureLimit); a 0 from send() on an open socket is that drop.
   */
  private deliver(ws: ServerWebSocket<SocketData>, connection: RpcConnection, text: string): void {
    if (ws.readyState !== WebSocket.OPEN) return;
    if (ws.send(text) === 0) this.slowConsumer(connection);
  }

  /** Counted and logged once per socket, however many of its messages are dropped. */
  private slowConsumer(connection: RpcConnection): void {
    if (this.cutOff.has(connection)) return;
    this.cutOff.add(connection);
    this.counters.slowConsumers.inc();
    this.log.warn(
      { connection: connection.id, remote: connection.remoteAddress },
      "slow consumer disconnected: replies piled up unread",
    );
  }

  private refuse(reason: string, status: number, text: string): Response {
    this.counters.rejected.inc({ reason });
    return new Response(`${text}\n`, {
      status,
      headers: status === 503 ? { "Retry-After": "5" } : {},
    });
  }
}
