import { execa, type ResultPromise } from "execa";
import type { Logger } from "../../log/logger.ts";
import { type UdevEvent, UdevEventParser } from "./udev-events.ts";

export type MonitorState = "starting" | "running" | "restarting" | "unavailable" | "stopped";

const BACKOFF_MS = { first: 500, max: 30_000 };

/**
 * A long-lived `udevadm monitor --udev --property --subsystem-match=video4linux`, restarted
 * with exponential backoff when it exits. `onRestart` fires after each restart so the caller
 * can rescan for what happened while it was down. A missing udevadm is reported, not retried.
 */
export class UdevMonitor {
  private child: ResultPromise | undefined;
  private timer: Timer | undefined;
  private backoffMs = BACKOFF_MS.first;
  private running = false;
  restarts = 0;
  state: MonitorState = "stopped";
  lastError: string | undefined;

  constructor(
    private readonly command: string,
    private readonly log: Logger,
    private readonly handlers: {
      onEvent(event: UdevEvent): void;
      onRestart(): void;
      onUnavailable(): void;
    },
  ) {}

  start(): void {
    this.running = true;
    this.state = "starting";
    this.spawn();
  }

  stop(): void {
    this.running = false;
    this.state = "stopped";
    clearTimeout(this.timer);
    this.child?.kill("SIGTERM");
    this.child = undefined;
  }

  private spawn(): void {
    const parser = new UdevEventParser((event) => this.handlers.onEvent(event));
    const startedAt = Date.now();
    const child = execa(
      this.command,
      ["monitor", "--udev", "--property", "--subsystem-match=video4linux"],
      {
        buffer: false,
        stdin: "ignore",
        stderr: "pipe",
        reject: false,
        cleanup: true,
      },
    );
    this.child = child;
    let stderr = "";
    child.stdout?.setEncoding("utf8");
    child.stdout?.on("data", (chunk: string) => {
      if (this.state !== "running") {
        this.state = "running";
        this.backoffMs = BACKOFF_MS.first;
      }
      parser.push(chunk);
    });
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
      stderr = (stderr + chunk).slice(-2000);
    });
    child.then((result) => {
      parser.end();
      if (this.child !== child || !this.running) return;
      this.child = undefined;
      const missing = (result as { code?: string }).code === "ENOENT";
      if (missing) {
        this.state = "unavailable";
        this.lastError = `${this.command} not found`;
        this.log.warn(
          { command: this.command },
          "udevadm not found: USB discovery falls back to polling sysfs",
        );
        this.handlers.onUnavailable();
        return;
      }
      // A monitor that ran a while before dying starts again from the shortest wait.
      if (Date.now() - startedAt > BACKOFF_MS.max) this.backoffMs = BACKOFF_MS.first;
      this.lastError =
        stderr.trim().split("\n").at(-1) || `exited with ${result.exitCode ?? result.signal}`;
      this.state = "restarting";
      this.log.warn(
        { command: this.command, error: this.lastError, retry_ms: this.backoffMs },
        "udev monitor stopped; restarting",
      );
      this.timer = setTimeout(() => {
        this.restarts++;
        this.spawn();
        this.handlers.onRestart();
      }, this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MS.max);
    });
  }
}
