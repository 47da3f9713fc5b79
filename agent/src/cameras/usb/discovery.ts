import type { Logger } from "../../log/logger.ts";
import type { HealthComponent } from "../../status/component.ts";
import { coalesced } from "../../util/coalesced.ts";
import type { CameraRegistry } from "../registry.ts";
import { nodeExists, scanVideoNodes, type VideoNode } from "./sysfs-scan.ts";
import { UdevMonitor } from "./udev-monitor.ts";
import { isCaptureDevice } from "./v4l2-info.ts";
import { type ProbeResult, probeDevice } from "./v4l2-probe.ts";

export interface UsbDiscoveryOptions {
  mode: "hybrid" | "event" | "poll";
  sysfsRoot: string;
  devRoot: string;
  udevadm: string;
  v4l2ctl: string;
  pollIntervalMs: number;
  probeTimeoutMs: number;
}

interface ProbeMemo {
  node: string;
  result: ProbeResult;
}

/**
 * USB/V4L2 discovery: udev events trigger a reconcile, a periodic sysfs scan catches what
 * events missed; either way the registry ends up matching sysfs. Reconciles never overlap and
 * triggers arriving during one are folded into a single follow-up.
 */
export class UsbDiscovery {
  private monitor: UdevMonitor | undefined;
  private pollTimer: Timer | undefined;
  private readonly probes = new Map<string, ProbeMemo>();
  /** Probe processes that outlived their timeout, by device path: never two at once. */
  private readonly hung = new Map<string, Promise<unknown>>();
  private started = false;
  initialScanDone = false;
  scans = 0;
  lastScanError: string | undefined;
  lastScanAt: number | undefined;

  constructor(
    private readonly options: UsbDiscoveryOptions,
    private readonly registry: CameraRegistry,
    private readonly log: Logger,
  ) {}

  get active(): boolean {
    return this.started;
  }

  async start(): Promise<void> {
    this.started = true;
    if (this.options.mode !== "poll") {
      this.monitor = new UdevMonitor(this.options.udevadm, this.log, {
        onEvent: () => void this.reconcile(),
        onRestart: () => void this.reconcile(),
        onUnavailable: () => this.startPolling(),
      });
      this.monitor.start();
    }
    if (this.options.mode !== "event") this.startPolling();
    await this.reconcile();
    this.initialScanDone = true;
  }

  stop(): void {
    this.started = false;
    this.monitor?.stop();
    clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** Brings the registry in line with sysfs; resolves once every requested scan has run. */
  readonly reconcile = coalesced(
    () => this.scanOnce(),
    () => this.started,
  );

  private startPolling(): void {
    if (this.pollTimer || !this.started) return;
    this.pollTimer = setInterval(() => void this.reconcile(), this.options.pollIntervalMs);
  }

  private async scanOnce(): Promise<void> {
    let nodes: VideoNode[];
    try {
      nodes = await scanVideoNodes(this.options.sysfsRoot, this.options.devRoot);
      this.lastScanError = undefined;
    } catch (error) {
      this.lastScanError = error instanceof Error ? error.message : String(error);
      this.log.error({ err: error }, "sysfs scan failed");
      return;
    } finally {
      this.scans++;
      this.lastScanAt = Date.now();
    }
    const results = await Promise.all(
      nodes.map(async (node) => ({ node, result: await this.probe(node) })),
    );
    // A probe that failed because the node was unplugged meanwhile is not an error.
    for (const entry of results) {
      if (
        !entry.result.ok &&
        entry.result.reason !== "gone" &&
        !(await nodeExists(this.options.sysfsRoot, entry.node))
      ) {
        entry.result = { ok: false, reason: "gone", message: "unplugged while being probed" };
      }
    }
    const present = new Set<string>();
    for (const { node, result } of results) {
      if (result.ok) {
        if (!isCaptureDevice(result.capabilities)) continue;
        const camera = this.registry.ensure(
          node.identity,
          "usb",
          result.capabilities.card || node.label,
        );
        present.add(camera.id);
        this.registry.observe(camera.id, {
          status: "CONNECTED",
          error: undefined,
          source: {
            kind: "usb",
            node: node.devicePath,
            stablePath: node.stablePath,
            capabilities: result.capabilities,
          },
        });
        continue;
      }
      // A node that vanished mid-probe is simply gone. A failed probe can't tell capture from
      // metadata nodes; UVC puts capture on index 0, so only that one is reported in ERROR.
      if (result.reason === "gone" || node.index !== 0) continue;
      const camera = this.registry.ensure(node.identity, "usb", node.label);
      present.add(camera.id);
      this.registry.observe(camera.id, {
        status: "ERROR",
        error: `${result.reason}: ${result.message}`,
        source: {
          kind: "usb",
          node: node.devicePath,
          stablePath: node.stablePath,
          capabilities: camera.source.kind === "usb" ? camera.source.capabilities : undefined,
        },
      });
    }
    for (const camera of this.registry.list()) {
      const { source } = camera;
      if (source.kind !== "usb" || present.has(camera.id) || camera.status === "DISCONNECTED")
        continue;
      this.registry.observe(camera.id, {
        status: "DISCONNECTED",
        error: undefined,
        source: { ...source, node: undefined },
      });
    }
    const seen = new Set(nodes.map((node) => node.identity));
    for (const identity of this.probes.keys())
      if (!seen.has(identity)) this.probes.delete(identity);
  }

  /** Probes a node once per appearance; a failed probe is retried on every scan. */
  private async probe(node: VideoNode): Promise<ProbeResult> {
    const memo = this.probes.get(node.identity);
    if (memo && memo.node === node.name && memo.result.ok) return memo.result;
    if (this.hung.has(node.devicePath)) {
      return {
        ok: false,
        reason: "timeout",
        message: "an earlier probe of this device is still hung",
      };
    }
    const result = await probeDevice(
      this.options.v4l2ctl,
      node.devicePath,
      this.options.probeTimeoutMs,
    );
    if (!result.ok && result.stillRunning) {
      const path = node.devicePath;
      this.hung.set(
        path,
        result.stillRunning.finally(() => this.hung.delete(path)),
      );
    }
    if (!result.ok && memo?.result.ok !== false) {
      this.log.warn(
        { node: node.devicePath, reason: result.reason, detail: result.message },
        "camera probe failed",
      );
    }
    this.probes.set(node.identity, { node: node.name, result });
    return result;
  }

  healthComponent(): HealthComponent {
    return {
      name: "camera_monitor",
      gatesReadiness: true,
      report: () => {
        const cameras = this.registry.list();
        const monitorState = this.monitor?.state ?? "off";
        const polling = this.pollTimer !== undefined;
        const degraded = monitorState === "unavailable" || monitorState === "restarting";
        return {
          state: !this.started ? "STOPPED" : this.initialScanDone ? "RUNNING" : "STARTING",
          health: this.lastScanError ? "unhealthy" : degraded ? "degraded" : "healthy",
          message: this.lastScanError
            ? `sysfs scan failing: ${this.lastScanError}`
            : monitorState === "unavailable"
              ? `udev monitor unavailable (${this.monitor?.lastError}); polling sysfs every ${this.options.pollIntervalMs} ms`
              : `${this.options.mode} discovery${polling ? `, sysfs poll every ${this.options.pollIntervalMs} ms` : ""}`,
          details: {
            mode: this.options.mode,
            udev_monitor: monitorState,
            udev_monitor_restarts: this.monitor?.restarts ?? 0,
            polling,
            scans: this.scans,
            total_cameras: cameras.length,
            connected_cameras: cameras.filter((camera) => camera.status === "CONNECTED").length,
          },
        };
      },
    };
  }
}
