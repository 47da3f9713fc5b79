import { existsSync } from "node:fs";
import type { Logger } from "../log/logger.ts";
import type { HealthComponent } from "../status/health.ts";
import { coalesced } from "../util/coalesced.ts";
import type { MediaMtxClient } from "./client.ts";
import type { PathReconciler } from "./path-reconciler.ts";

export type MediaMtxState = "starting" | "up" | "down";

const MAX_BACKOFF_MS = 60_000;

/**
 * Watches MediaMTX's /v3/info: when it comes up, or restarts (its start time changes), every
 * path is applied again. While it is down, checks back off exponentially and `available`
 * is false, so callers fail fast instead of waiting for timeouts (a circuit breaker).
 */
export class MediaMtxMonitor {
  state: MediaMtxState = "starting";
  failures = 0;
  lastError: string | undefined;
  version: string | undefined;
  private started: string | undefined;
  private timer: Timer | undefined;
  private running = false;

  constructor(
    private readonly client: MediaMtxClient,
    private readonly reconciler: PathReconciler,
    private readonly intervalMs: number,
    private readonly log: Logger,
    /** MediaMTX's program; "" when it is not this machine's to check. */
    private readonly binary = "",
  ) {}

  get available(): boolean {
    return this.state === "up";
  }

  start(): void {
    this.running = true;
    void this.check();
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
  }

  /** Apply desired paths now (cameras changed); folded if one is running, skipped while down. */
  readonly reconcile = coalesced(async () => {
    if (!this.available) return;
    try {
      await this.reconciler.apply();
    } catch (error) {
      this.markDown(error);
    }
  });

  /** The client call failed for lack of MediaMTX: open the breaker until the next check. */
  markDown(error: unknown): void {
    if (this.state !== "down") this.log.warn({ err: error }, "MediaMTX unreachable");
    this.state = "down";
    this.lastError = error instanceof Error ? error.message : String(error);
  }

  private async check(): Promise<void> {
    if (!this.running) return;
    try {
      const info = await this.client.info();
      const restarted = this.started !== undefined && info.started !== this.started;
      const cameBack = this.state !== "up";
      this.version = info.version;
      this.started = info.started;
      this.state = "up";
      this.failures = 0;
      if (restarted || cameBack) {
        this.log.info({ version: info.version, restarted }, "MediaMTX available: applying paths");
        await this.reconcile();
      }
    } catch (error) {
      this.failures++;
      this.markDown(error);
    }
    if (!this.running) return;
    const delay =
      this.state === "up"
        ? this.intervalMs
        : Math.min(this.intervalMs * 2 ** Math.min(this.failures, 10), MAX_BACKOFF_MS);
    this.timer = setTimeout(() => void this.check(), delay);
  }

  /** Why MediaMTX is down, in an operator's words. */
  private downMessage(): string {
    if (this.binary !== "" && !existsSync(this.binary)) {
      return `MediaMTX is not installed (no ${this.binary}): cameras are discovered but not streamed`;
    }
    return `MediaMTX unreachable: ${this.lastError}`;
  }

  healthComponent(): HealthComponent {
    return {
      name: "mediamtx",
      // The update health gate checks MediaMTX on its own; the agent stays ready without it.
      gatesReadiness: false,
      report: () => ({
        state: this.state === "up" ? "RUNNING" : this.state === "down" ? "ERROR" : "STARTING",
        health: this.state === "down" ? "unhealthy" : "healthy",
        message:
          this.state === "up"
            ? `MediaMTX ${this.version} answering`
            : this.state === "down"
              ? this.downMessage()
              : "checking MediaMTX",
        details: { version: this.version ?? null, consecutive_failures: this.failures },
      }),
    };
  }
}
