import type { Logger } from "../../log/logger.ts";
import type { HealthComponent } from "../../status/component.ts";
import type { CameraRegistry, Observation } from "../registry.ts";
import type { NetworkCameraStore } from "./network-camera-store.ts";
import { describeStream } from "./rtsp-describe.ts";
import { sdpVideo } from "./sdp-video.ts";

export interface RtspWatchOptions {
  /** Between checks of a camera that answered. */
  intervalMs: number;
  /** One check's bound (connect + DESCRIBE, and the login round trip). */
  timeoutMs: number;
  /** Longest wait between checks of a failing camera. */
  maxBackoffMs: number;
}

/**
 * Reachability of network cameras: each is asked to DESCRIBE its stream, every interval while
 * it answers and with doubling waits (up to maxBackoff) while it fails, so a camera that
 * locks accounts after failed logins is not hammered. What it finds goes to the registry as
 * CONNECTED, DISCONNECTED (unreachable) or ERROR, with a reason a person understands.
 */
export class RtspWatch {
  private readonly timers = new Map<string, Timer>();
  private readonly failures = new Map<string, number>();
  /** One check at a time per camera; a request during one runs after it. */
  private readonly chains = new Map<string, Promise<void>>();
  private started = false;

  constructor(
    private readonly options: RtspWatchOptions,
    private readonly store: NetworkCameraStore,
    private readonly registry: CameraRegistry,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.started = true;
    for (const record of this.store.all()) void this.check(record.id);
  }

  stop(): void {
    this.started = false;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  /** Checks the camera now (after it was added or changed); resolves once the registry has it. */
  check(id: string): Promise<void> {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    // A check that throws is a bug; it is logged and must not stop the camera's later checks.
    const next = (this.chains.get(id) ?? Promise.resolve())
      .then(() => this.checkOnce(id))
      .catch((error: unknown) =>
        this.log.error({ err: error, camera: id }, "network camera check failed"),
      );
    this.chains.set(id, next);
    void next.finally(() => {
      if (this.chains.get(id) === next) this.chains.delete(id);
    });
    return next;
  }

  /** Stops watching a removed camera. */
  forget(id: string): void {
    clearTimeout(this.timers.get(id));
    this.timers.delete(id);
    this.failures.delete(id);
  }

  private async checkOnce(id: string): Promise<void> {
    const record = this.store.get(id);
    const camera = this.registry.get(id);
    if (!record || !camera || camera.source.kind === "usb") return;
    const kind = camera.source.kind;
    const answer = await describeStream({
      url: record.url,
      username: record.username,
      password: record.password,
      timeoutMs: this.options.timeoutMs,
    });
    let observation: Observation;
    if (answer.ok) {
      const video = sdpVideo(answer.sdp);
      observation = video
        ? {
            status: "CONNECTED",
            error: undefined,
            source: { kind, capabilities: { formats: [video] } },
          }
        : { status: "ERROR", error: "the stream offers no video", source: camera.source };
    } else {
      observation = {
        status:
          answer.reason === "unreachable" || answer.reason === "timeout" ? "DISCONNECTED" : "ERROR",
        error: answer.message,
        source: camera.source,
      };
    }
    if (!this.registry.get(id)) return; // removed while being checked
    if (observation.status !== camera.status || observation.error !== camera.error) {
      const fields = { camera: id, status: observation.status, reason: observation.error };
      if (observation.status === "CONNECTED") this.log.info(fields, "network camera reachable");
      else this.log.warn(fields, "network camera not usable");
    }
    this.registry.observe(id, observation);
    const failures = observation.status === "CONNECTED" ? 0 : (this.failures.get(id) ?? 0) + 1;
    this.failures.set(id, failures);
    if (!this.started) return;
    const delay =
      failures === 0
        ? this.options.intervalMs
        : Math.min(this.options.maxBackoffMs, this.options.intervalMs * 2 ** (failures - 1));
    this.timers.set(
      id,
      setTimeout(() => void this.check(id), delay),
    );
  }

  healthComponent(): HealthComponent {
    return {
      name: "network_cameras",
      gatesReadiness: false,
      report: () => {
        const cameras = this.registry.list().filter((camera) => camera.source.kind !== "usb");
        const failing = cameras.filter((camera) => camera.status !== "CONNECTED");
        return {
          state: this.started ? "RUNNING" : "STOPPED",
          health: failing.length === 0 ? "healthy" : "degraded",
          message:
            failing.length === 0
              ? `${cameras.length} network camera${cameras.length === 1 ? "" : "s"} reachable`
              : `${failing.length} of ${cameras.length} network cameras not usable`,
          details: {
            total_cameras: cameras.length,
            connected_cameras: cameras.length - failing.length,
            check_interval_ms: this.options.intervalMs,
          },
        };
      },
    };
  }
}
