import type { CallObserver } from "./call-observer.ts";

const BUCKET_MS = 10_000;
const WINDOW_BUCKETS = 30;
/** Server-side failures; client mistakes (bad params, auth) don't make the agent unhealthy. */
const SERVER_ERROR_OUTCOMES = new Set(["-32603", "-32050"]);

interface Bucket {
  start: number;
  calls: number;
  serverErrors: number;
  seconds: number;
}

/** Error rate and mean response time over the last five minutes, in ten-second buckets. */
export class RpcStats implements CallObserver {
  private readonly buckets: Bucket[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  observe(_method: string, outcome: string, seconds: number): void {
    const start = Math.floor(this.now() / BUCKET_MS) * BUCKET_MS;
    let bucket = this.buckets.at(-1);
    if (bucket?.start !== start) {
      bucket = { start, calls: 0, serverErrors: 0, seconds: 0 };
      this.buckets.push(bucket);
      if (this.buckets.length > WINDOW_BUCKETS) this.buckets.shift();
    }
    bucket.calls += 1;
    bucket.seconds += seconds;
    if (SERVER_ERROR_OUTCOMES.has(outcome)) bucket.serverErrors += 1;
  }

  window(): { calls: number; errorRatePercent: number; meanResponseMs: number } {
    const oldest = this.now() - BUCKET_MS * WINDOW_BUCKETS;
    const recent = this.buckets.filter((bucket) => bucket.start >= oldest);
    const calls = recent.reduce((sum, bucket) => sum + bucket.calls, 0);
    if (calls === 0) return { calls, errorRatePercent: 0, meanResponseMs: 0 };
    const errors = recent.reduce((sum, bucket) => sum + bucket.serverErrors, 0);
    const seconds = recent.reduce((sum, bucket) => sum + bucket.seconds, 0);
    return {
      calls,
      errorRatePercent: (100 * errors) / calls,
      meanResponseMs: (1000 * seconds) / calls,
    };
  }
}
