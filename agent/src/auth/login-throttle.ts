/** Addresses tracked at most; the oldest window is dropped first, so memory stays bounded. */
const MAX_TRACKED_ADDRESSES = 10_000;

/** A login refused by the limit, without the credential being looked at. */
export interface Throttled {
  ok: false;
  reason: "throttled";
  retryAfterMs: number;
}

interface Window {
  startedAt: number;
  failures: number;
  /** Whether this window's lock-out has been logged (once per window). */
  reported: boolean;
}

/**
 * Failed logins per client address, across all its sockets and requests: over `limit` in a
 * window, further attempts from that address are refused without checking the credential
 * until the window ends. Per-socket rate limits alone let a client open sockets to guess on.
 */
export class LoginThrottle {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly onLockOut: (address: string, failures: number) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * One login from `address` under the limit: refused while the address is locked out,
   * else `login` runs and a failure counts. Every way in (RPC, HTTP, media) goes through it.
   */
  async attempt<T extends { ok: boolean }>(
    address: string,
    login: () => Promise<T>,
  ): Promise<T | Throttled> {
    const wait = this.retryAfter(address);
    if (wait > 0) return { ok: false, reason: "throttled", retryAfterMs: wait };
    const outcome = await login();
    if (!outcome.ok) this.recordFailure(address);
    return outcome;
  }

  /** Milliseconds until `address` may try again; 0 when it may now. */
  retryAfter(address: string): number {
    const window = this.current(address);
    if (!window || window.failures < this.limit) return 0;
    return Math.max(1, window.startedAt + this.windowMs - this.now());
  }

  recordFailure(address: string): void {
    let window = this.current(address);
    if (!window) {
      window = { startedAt: this.now(), failures: 0, reported: false };
      this.windows.delete(address);
      this.windows.set(address, window);
      if (this.windows.size > MAX_TRACKED_ADDRESSES) {
        const oldest = this.windows.keys().next().value;
        if (oldest !== undefined) this.windows.delete(oldest);
      }
    }
    window.failures++;
    if (window.failures >= this.limit && !window.reported) {
      window.reported = true;
      this.onLockOut(address, window.failures);
    }
  }

  private current(address: string): Window | undefined {
    const window = this.windows.get(address);
    if (window && this.now() - window.startedAt >= this.windowMs) {
      this.windows.delete(address);
      return undefined;
    }
    return window;
  }
}
