import type { Identity, SessionCheck } from "../auth/authenticator.ts";
import type { RpcConnection } from "../rpc/connection.ts";

/**
 * Finds sockets whose credential stopped being valid (a revoked API key, an expired token or
 * dashboard session) even when they make no call, and marks that identity lapsed, so that
 * notifications stop: a socket that only listens would otherwise go on receiving camera and
 * recording events, since calls are where credentials are checked. The socket stays open, as
 * the contract wants (its next call answers -32001 with the reason; `authenticate` with a good
 * credential makes it whole again). One pass every `intervalMs`, never two at once.
 */
export class CredentialSweep {
  private timer: Timer | undefined;
  private running = false;

  constructor(
    private readonly connections: Iterable<RpcConnection>,
    private readonly check: (identity: Identity) => Promise<SessionCheck>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.sweep(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  async sweep(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (const connection of [...this.connections]) {
        const identity = connection.identity;
        if (!identity || connection.lapsedIdentity === identity) continue;
        if ((await this.check(identity)) !== "valid") connection.lapsedIdentity = identity;
      }
    } finally {
      this.running = false;
    }
  }
}
