/** Token bucket: a full minute's allowance may burst, then it refills continuously. */
export class RateLimiter {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    this.tokens = perMinute;
    this.updatedAt = now();
  }

  /** Takes one token; returns 0 when allowed, else the milliseconds until one is free. */
  take(): number {
    const now = this.now();
    const perMs = this.perMinute / 60_000;
    this.tokens = Math.min(this.perMinute, this.tokens + (now - this.updatedAt) * perMs);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil((1 - this.tokens) / perMs);
  }
}
