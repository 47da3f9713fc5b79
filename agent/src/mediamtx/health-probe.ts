import { existsSync } from "node:fs";
import { domainErrors } from "../domain-error.ts";
import type { Logger } from "../log/logger.ts";
import type { HealthComponent } from "../status/component.ts";
import { type MediaMtxClient, MediaMtxError, MediaMtxUnavailable } from "./client.ts";
import { ConnectionWatch } from "./connection-watch.ts";

export type MediaMtxState = "starting" | "up" | "down";

export interface ProbeTiming {
  /** Between checks of /v3/info while MediaMTX answers. */
  intervalMs: number;
  /**
   * Between checks while it does not: short, so its return is acted on at once. Not while
   * its program is missing: an install takes minutes, and a box without MediaMTX (a site
   * that streams elsewhere, a test image) would spend its idle CPU on refused connections.
   */
  retryMs: number;
}

/**
 * Watches MediaMTX's /v3/info and tells listeners when it comes up or restarts (its start
 * time changes), so the reconcile loop applies every path and recording again. Recovery
 * must not wait for the next periodic check:
 * an idle connection held open to MediaMTX closes the moment its process dies, which triggers
 * a check at once; while it is down, checks repeat every `retryMs` (a refused loopback
 * connection costs nothing), so paths are back within about that long after MediaMTX answers
 * again, with no fast polling while all is well. While it is down, `available` is false, so
 * callers fail fast instead of waiting for timeouts (a circuit breaker).
 */
export class MediaMtxProbe {
  state: MediaMtxState = "starting";
  failures = 0;
  lastError: string | undefined;
  version: string | undefined;
  private started: string | undefined;
  private timer: Timer | undefined;
  private running = false;
  private checking: Promise<void> | undefined;
  private again = false;
  private readonly watch: ConnectionWatch;
  private readonly listeners = new Set<() => Promise<void>>();
  private firstCheck: Promise<void> | undefined;

  constructor(
    private readonly client: MediaMtxClient,
    apiUrl: string,
    private readonly timing: ProbeTiming,
    private readonly log: Logger,
    /** MediaMTX's program; "" when it is not this machine's to check. */
    private readonly binary = "",
  ) {
    this.watch = new ConnectionWatch(apiUrl, client.authorization, () => this.checkNow());
  }

  get available(): boolean {
    return this.state === "up";
  }

  /** Called (and awaited by the check) each time MediaMTX is back or has restarted. */
  onAvailable(listener: () => Promise<void>): void {
    this.listeners.add(listener);
  }

  start(): void {
    this.running = true;
    this.checkNow();
    this.firstCheck = this.checking;
  }

  /** Resolves once the state is known: after the first check, or at once later on. */
  async known(): Promise<void> {
    if (this.state === "starting") await this.firstCheck;
  }

  /** Throws a dependency failure at once while MediaMTX is not known to be up. */
  assertAvailable(): void {
    if (!this.available) throw this.unreachable();
  }

  /**
   * Runs a MediaMTX call for the domain or an edge: a dependency failure at once while
   * MediaMTX is known to be down (the breaker is open until a check sees it back), and a
   * call that fails for lack of MediaMTX opens the breaker.
   */
  async call<T>(call: () => Promise<T>): Promise<T> {
    if (this.state === "down") throw this.unreachable();
    try {
      return await call();
    } catch (error) {
      if (error instanceof MediaMtxUnavailable) {
        this.markDown(error);
        throw domainErrors.dependencyFailed("MediaMTX", "MediaMTX is not reachable");
      }
      if (error instanceof MediaMtxError) {
        throw domainErrors.dependencyFailed(
          "MediaMTX",
          `MediaMTX refused the request (HTTP ${error.status})`,
        );
      }
      throw error;
    }
  }

  private unreachable() {
    return domainErrors.dependencyFailed("MediaMTX", this.lastError ?? "MediaMTX is not reachable");
  }

  stop(): void {
    this.running = false;
    clearTimeout(this.timer);
    this.watch.close();
  }

  /**
   * Check now instead of at the next tick. One check at a time: asked during one, another
   * follows it at once, since what prompted the ask may postdate what that check saw.
   */
  private checkNow(): void {
    if (!this.running) return;
    if (this.checking) {
      this.again = true;
      return;
    }
    clearTimeout(this.timer);
    this.again = false;
    this.checking = this.check().finally(() => {
      this.checking = undefined;
      if (this.again) this.checkNow();
      else this.schedule();
    });
  }

  private schedule(): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    const delay =
      this.state === "up" || this.notInstalled() ? this.timing.intervalMs : this.timing.retryMs;
    this.timer = setTimeout(() => this.checkNow(), delay);
  }

  /** The client call failed for lack of MediaMTX: open the breaker until the next check. */
  markDown(error: unknown): void {
    this.lastError = error instanceof Error ? error.message : String(error);
    // One line, no stack: MediaMTX being away is a state, not a bug in the agent.
    if (this.state !== "down") this.log.warn({ reason: this.lastError }, "MediaMTX unreachable");
    this.state = "down";
  }

  private async check(): Promise<void> {
    try {
      const info = await this.client.info();
      const restarted = this.started !== undefined && info.started !== this.started;
      const cameBack = this.state !== "up";
      this.version = info.version;
      this.started = info.started;
      this.state = "up";
      this.failures = 0;
      // Watch before applying: a crash during the apply is then noticed too.
      if (this.running) this.watch.open();
      if (restarted || cameBack) {
        this.log.info({ version: info.version, restarted }, "MediaMTX available: applying paths");
        for (const listener of this.listeners) await listener();
      }
    } catch (error) {
      this.failures++;
      this.markDown(error);
    }
  }

  private notInstalled(): boolean {
    return this.binary !== "" && !existsSync(this.binary);
  }

  /** Why MediaMTX is down, in an operator's words. */
  private downMessage(): string {
    if (this.notInstalled()) {
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
