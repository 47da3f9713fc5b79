import type { Identity } from "../auth/authenticator.ts";
import { Subscriptions } from "../notifications/subscriptions.ts";
import type { RateLimiter } from "./rate-limit.ts";

export interface Transport {
  send(text: string): void;
  close(code: number, reason: string): void;
}

/** One WebSocket's session: identity, its own rate limit, and the way back to the peer. */
export class RpcConnection {
  identity: Identity | undefined;
  /** Set to `identity` once its credential is found revoked or expired: no more notifications. */
  lapsedIdentity: Identity | undefined;
  /** Set while `authenticate` runs, so calls pipelined behind it see its outcome. */
  pendingAuthentication: Promise<void> | undefined;
  readonly subscriptions = new Subscriptions();

  constructor(
    readonly id: string,
    readonly remoteAddress: string,
    /** The host name or address the client used to reach us (from Host): goes into stream URLs. */
    readonly host: string,
    /** The port the client connected to: download URLs point back at it. */
    readonly port: number,
    readonly limiter: RateLimiter,
    private readonly transport: Transport,
  ) {}

  send(text: string): void {
    this.transport.send(text);
  }

  close(code: number, reason: string): void {
    this.transport.close(code, reason);
  }
}
