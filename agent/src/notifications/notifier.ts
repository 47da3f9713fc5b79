import type { Identity } from "../auth/authenticator.ts";
import { isoUtc } from "../util/time.ts";
import type { Subscriptions } from "./subscriptions.ts";

/** A client session as notifications see it (the RPC edge's connections are these). */
export interface NotificationTarget {
  readonly identity: Identity | undefined;
  /** The identity, once found revoked or expired between calls (CredentialSweep). */
  readonly lapsedIdentity?: Identity | undefined;
  /** The host the client reached us at: stream URLs in notifications use it. */
  readonly host: string;
  readonly subscriptions: Subscriptions;
  send(text: string): void;
}

/**
 * Delivers one text to many sessions of one host at once. The WebSocket edge does it with one
 * native publish instead of a send per socket (issue 18: a camera event to 100 clients cost
 * the agent ~1 ms of sends); the Notifier alone decides who is in `targets`.
 */
export interface Fanout {
  toAll(host: string, targets: readonly NotificationTarget[], text: string): void;
}

/**
 * Server → client notifications, only ever to authenticated sessions whose credential has
 * neither expired nor been found revoked (CredentialSweep).
 */
export class Notifier {
  constructor(
    private readonly connections: () => Iterable<NotificationTarget>,
    private readonly fanout: Fanout,
  ) {}

  /**
   * To every authenticated socket (camera_status_update, recording_status_update). Params may
   * depend on the host a client connected to (stream URLs): built once per distinct host.
   */
  broadcast(
    method: string,
    params: Record<string, unknown> | ((host: string) => Record<string, unknown>),
  ): void {
    const byHost = new Map<string, NotificationTarget[]>();
    for (const connection of this.authenticated()) {
      const targets = byHost.get(connection.host);
      if (targets) targets.push(connection);
      else byHost.set(connection.host, [connection]);
    }
    for (const [host, targets] of byHost) {
      const text = notification(method, typeof params === "function" ? params(host) : params);
      this.fanout.toAll(host, targets, text);
    }
  }

  /** A topic event, to the sockets subscribed to it whose filters match; `method` = topic. */
  publish(topic: string, params: Record<string, unknown>): void {
    const event = { ...params, timestamp: isoUtc() };
    let text: string | undefined;
    for (const connection of this.authenticated()) {
      if (!connection.subscriptions.wants(topic, event)) continue;
      text ??= notification(topic, event);
      connection.send(text);
    }
  }

  stats(): {
    total_subscriptions: number;
    active_clients: number;
    topic_counts: Record<string, number>;
  } {
    // No prototype: topic names are the clients' strings ("constructor", "__proto__", …).
    const topicCounts: Record<string, number> = Object.create(null);
    let total = 0;
    let active = 0;
    for (const connection of this.connections()) {
      const topics = connection.subscriptions.list();
      if (topics.length > 0) active++;
      total += topics.length;
      for (const topic of topics) topicCounts[topic] = (topicCounts[topic] ?? 0) + 1;
    }
    return { total_subscriptions: total, active_clients: active, topic_counts: topicCounts };
  }

  private *authenticated(): Iterable<NotificationTarget> {
    const now = Date.now();
    for (const connection of this.connections()) {
      const identity = connection.identity;
      if (!identity || connection.lapsedIdentity === identity) continue;
      if (identity.expiresAt === null || now <= identity.expiresAt) yield connection;
    }
  }
}

/** Serialized once per event, not once per socket. No `id` member: clients drop any that has one. */
function notification(method: string, params: Record<string, unknown>): string {
  return JSON.stringify({ jsonrpc: "2.0", method, params });
}
