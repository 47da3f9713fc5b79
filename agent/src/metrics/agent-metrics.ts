import { readdirSync } from "node:fs";
import type { BuildInfo } from "../build-info.ts";
import type { CallObserver } from "../status/call-observer.ts";
import { Counter, Gauge, Histogram, MetricsRegistry } from "./prometheus.ts";

const LATENCY_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

export interface MetricSources {
  build: BuildInfo;
  startedAt: number;
  connections(): number;
  inFlight(): number;
  /** 1 while MediaMTX's API answers. */
  mediamtxUp(): number;
  recordings(): number;
  /** Known cameras' statuses, one entry per camera. */
  cameraStatuses(): string[];
  /** Cameras with a kept snapshot reader (snapshots.keep_reader). */
  snapshotReaders(): number;
}

/** Every status a camera can have, so each series exists (at 0) from the start. */
const CAMERA_STATUSES = ["CONNECTED", "DISCONNECTED", "ERROR"];

/** The agent's /metrics: process, WebSocket and per-method RPC figures. */
export class AgentMetrics implements CallObserver {
  readonly registry = new MetricsRegistry();
  readonly rejectedConnections: Counter;
  readonly slowConsumers: Counter;
  readonly snapshots: Counter;
  private readonly requests: Counter;
  private readonly latency: Histogram;

  constructor(sources: MetricSources) {
    const r = this.registry;
    const { build } = sources;
    r.register(
      new Gauge("camera_agent_build_info", "Build of the running agent (always 1).", () => [
        {
          labels: {
            version: build.version,
            commit: build.commit,
            runtime: build.runtime,
            arch: build.architecture,
          },
          value: 1,
        },
      ]),
    );
    this.requests = r.register(
      new Counter(
        "camera_agent_rpc_requests_total",
        'JSON-RPC requests by method and outcome ("ok" or the error code).',
      ),
    );
    this.latency = r.register(
      new Histogram(
        "camera_agent_rpc_request_duration_seconds",
        "Time from parsed request to response, by method.",
        LATENCY_BUCKETS,
      ),
    );
    r.register(
      new Gauge("camera_agent_rpc_in_flight", "Frames being processed now.", sources.inFlight),
    );
    r.register(
      new Gauge(
        "camera_agent_websocket_connections",
        "Open WebSocket sessions.",
        sources.connections,
      ),
    );
    r.register(
      new Gauge(
        "camera_agent_mediamtx_up",
        "1 while MediaMTX's control API answers, else 0.",
        sources.mediamtxUp,
      ),
    );
    r.register(
      new Gauge(
        "camera_agent_recordings_active",
        "Recordings running now (an update's reboot or restart would end them).",
        sources.recordings,
      ),
    );
    r.register(
      new Gauge("camera_agent_cameras", "Known cameras, by status.", () => {
        const statuses = sources.cameraStatuses();
        return CAMERA_STATUSES.map((status) => ({
          labels: { status },
          value: statuses.filter((each) => each === status).length,
        }));
      }),
    );
    this.rejectedConnections = r.register(
      new Counter(
        "camera_agent_websocket_rejected_total",
        "WebSocket upgrades refused, by reason (limit, unauthenticated, address, origin, shutdown), and sockets closed for not authenticating in time (auth_timeout).",
      ),
    );
    this.slowConsumers = r.register(
      new Counter(
        "camera_agent_websocket_slow_consumers_total",
        "Sockets closed because their unread replies exceeded limits.send_buffer_bytes.",
      ),
    );
    this.snapshots = r.register(
      new Counter(
        "camera_agent_snapshots_total",
        "Frames taken for snapshots and dashboard stills, by source: camera (its ONVIF snapshot URI), kept (a kept reader's latest keyframe), stream (a new session on the stream).",
      ),
    );
    r.register(
      new Gauge(
        "camera_agent_snapshot_readers",
        "Cameras whose stream a reader keeps after a snapshot (snapshots.keep_reader).",
        sources.snapshotReaders,
      ),
    );
    r.register(
      new Gauge(
        "process_resident_memory_bytes",
        "Resident memory size in bytes.",
        () => process.memoryUsage().rss,
      ),
    );
    r.register(
      new Gauge(
        "process_heap_bytes",
        "JavaScript heap in use, in bytes.",
        () => process.memoryUsage().heapUsed,
      ),
    );
    r.register(
      new Gauge(
        "process_cpu_seconds_total",
        "User and system CPU time spent, in seconds.",
        () => {
          const { user, system } = process.cpuUsage();
          return (user + system) / 1e6;
        },
        "counter",
      ),
    );
    r.register(
      new Gauge(
        "process_start_time_seconds",
        "Start time of the process since the Unix epoch, in seconds.",
        () => sources.startedAt / 1000,
      ),
    );
    r.register(new Gauge("process_open_fds", "Open file descriptors.", openFileDescriptors));
  }

  observe(method: string, outcome: string, seconds: number): void {
    this.requests.inc({ method, outcome });
    this.latency.observe({ method }, seconds);
  }
}

function openFileDescriptors(): number {
  try {
    return readdirSync("/proc/self/fd").length;
  } catch {
    return Number.NaN;
  }
}
