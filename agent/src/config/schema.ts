import { join } from "node:path";
import { z } from "zod";
import { CAMERA_ID } from "../camera-ids.ts";
import { parseDuration } from "../util/duration.ts";
import { CAPTURE_FORMATS } from "./capture-formats.ts";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const duration = z
  .string({
    // A bare number is the usual slip ("idle_timeout: 120"): say which units there are.
    error: (issue) =>
      typeof issue.input === "number"
        ? `expected a duration with a unit, such as "${issue.input}s" or "${issue.input}ms" (ms, s, m, h or d), not the bare number ${issue.input}`
        : 'expected a duration such as "500ms", "5s", "15m", "1h" or "30d"',
  })
  .refine((text) => parseDuration(text) !== undefined, {
    message: 'expected a duration such as "500ms", "5s", "15m", "1h" or "30d"',
  })
  .transform((text) => parseDuration(text) ?? 0);

/** 0 = any free port for the API (tests), = off for the health listener. */
const durationAtLeast = (ms: number, text: string) =>
  duration.refine((value) => value >= ms, { message: `must be at least ${text}` });

const port = z.number().int().min(0).max(65535);
const positiveInt = z.number().int().positive();
const absolutePath = z.string().startsWith("/", { message: "expected an absolute path" });

// `prefault` (not `default`) so defaults go through the same parsing, e.g. "5s" → 5000.
const serverSchema = z.strictObject({
  host: z.string().min(1).prefault("::"),
  port: port.prefault(8002),
  websocket_path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~/-]*$/, { message: 'expected a URL path such as "/ws"' })
    .prefault("/ws"),
  public_host: z.string().prefault(""),
  allowed_origins: z
    .array(z.string().min(1))
    .prefault(["http://localhost:3000", "https://localhost:3000"]),
  idle_timeout: duration.prefault("120s"),
  auth_timeout: durationAtLeast(1000, "1s").prefault("10s"),
  shutdown_timeout: duration.prefault("5s"),
  tls_cert: absolutePath.optional(),
  tls_key: absolutePath.optional(),
});

const healthSchema = z.strictObject({
  host: z.string().min(1).optional(),
  port: port.prefault(8003),
  details_need_auth: z.boolean().prefault(true),
});

const securitySchema = z.strictObject({
  jwt_secret: z
    .string()
    .min(32, { message: "must be at least 32 characters (use a random value)" })
    .optional(),
  api_keys_file: absolutePath.optional(),
});

const limitsSchema = z.strictObject({
  max_connections: positiveInt.prefault(100),
  max_unauthenticated: positiveInt.prefault(32),
  max_unauthenticated_per_address: positiveInt.prefault(8),
  max_frame_bytes: z
    .number()
    .int()
    .min(1024)
    .max(256 * 1024 * 1024)
    .prefault(16 * 1024 * 1024),
  requests_per_minute: positiveInt.prefault(1200),
  failed_logins_per_minute: positiveInt.prefault(20),
  max_batch: positiveInt.prefault(100),
  send_buffer_bytes: z
    .number()
    .int()
    .min(64 * 1024)
    .prefault(8 * 1024 * 1024),
  max_cameras: positiveInt.prefault(16),
});

const usbDiscoverySchema = z.strictObject({
  enabled: z.boolean().prefault(true),
  mode: z.enum(["hybrid", "event", "poll"]).prefault("hybrid"),
  poll_interval: durationAtLeast(100, "100ms").prefault("5s"),
  probe_timeout: durationAtLeast(100, "100ms").prefault("5s"),
  sysfs_root: absolutePath.prefault("/sys"),
  dev_root: absolutePath.prefault("/dev"),
  udevadm: z.string().min(1).prefault("udevadm"),
  v4l2ctl: z.string().min(1).prefault("v4l2-ctl"),
});

const networkDiscoverySchema = z.strictObject({
  check_interval: durationAtLeast(100, "100ms").prefault("30s"),
  check_timeout: durationAtLeast(100, "100ms").prefault("5s"),
  max_backoff: durationAtLeast(100, "100ms").prefault("5m"),
});

const onvifDiscoverySchema = z.strictObject({
  enabled: z.boolean().prefault(false),
  interval: durationAtLeast(10_000, "10s").prefault("5m"),
  probe_timeout: durationAtLeast(500, "500ms")
    .refine((value) => value <= 30_000, { message: "must be at most 30s" })
    .prefault("3s"),
  /** The network interface probes go out on (e.g. the camera LAN's); empty: the default route's. */
  interface: z
    .string()
    .regex(/^[\w.:-]{0,15}$/, { message: 'expected an interface name such as "eth1"' })
    .prefault(""),
});

const mediamtxSchema = z.strictObject({
  api_url: z
    .string()
    .regex(/^https?:\/\/[^/]+$/, { message: 'expected a base URL such as "http://127.0.0.1:9997"' })
    .prefault("http://127.0.0.1:9997"),
  api_user: z.string().min(1).optional(),
  api_password: z.string().min(1).optional(),
  /** Where the agent reads streams (snapshots); empty: from MediaMTX's rtspAddress. */
  rtsp_url: z
    .string()
    .regex(/^(rtsp:\/\/[^/]+)?$/, {
      message: 'expected a base URL such as "rtsp://127.0.0.1:8554"',
    })
    .prefault(""),
  health_interval: durationAtLeast(100, "100ms").prefault("5s"),
  retry_interval: durationAtLeast(50, "50ms").prefault("250ms"),
  request_timeout: durationAtLeast(100, "100ms").prefault("3s"),
  /** Looked for when MediaMTX does not answer, to tell "not installed" from "down". */
  binary: z.union([absolutePath, z.literal("")]).prefault("/usr/bin/mediamtx"),
});

const snapshotsSchema = z.strictObject({
  timeout: durationAtLeast(1000, "1s").prefault("15s"),
  jpeg_quality: z.number().int().min(1).max(100).prefault(85),
  /** How long a reader keeps a camera's latest keyframe after its last snapshot; 0: off. */
  keep_reader: durationAtLeast(0, "0s").prefault("30s"),
  /** The oldest kept keyframe a snapshot may be; older, a fresh frame is taken. */
  max_age: durationAtLeast(100, "100ms").prefault("3s"),
  max_readers: z.number().int().min(0).max(64).prefault(16),
});

const streamsSchema = z.strictObject({
  mode: z.enum(["on_demand", "on_init"]).prefault("on_demand"),
  encoder: z.enum(["auto", "libx264", "h264_v4l2m2m"]).prefault("auto"),
  ffmpeg: z.string().min(1).prefault("ffmpeg"),
  rtsp_port: port.prefault(8554),
  hls_port: port.prefault(8888),
  webrtc_port: port.prefault(8889),
});

export const configSchema = z
  .strictObject({
    server: serverSchema
      .refine((server) => (server.tls_cert === undefined) === (server.tls_key === undefined), {
        message: "tls_cert and tls_key must be set together (or neither, for plain ws://)",
      })
      .prefault({}),
    health: healthSchema.prefault({}),
    security: securitySchema.prefault({}),
    limits: limitsSchema.prefault({}),
    state: z.strictObject({ dir: absolutePath.prefault("/var/lib/camera-agent") }).prefault({}),
    storage: z
      .strictObject({
        root: absolutePath.prefault("/var/lib/camera-agent"),
        warn_percent: z.number().min(0).max(100).prefault(70),
        block_percent: z.number().min(0).max(100).prefault(90),
        guard_interval: durationAtLeast(100, "100ms").prefault("30s"),
        retention_interval: durationAtLeast(1000, "1s").prefault("1h"),
      })
      .prefault({}),
    discovery: z
      .strictObject({
        usb: usbDiscoverySchema.prefault({}),
        network: networkDiscoverySchema.prefault({}),
        onvif: onvifDiscoverySchema.prefault({}),
      })
      .prefault({}),
    backup: z.strictObject({ keep: z.number().int().min(1).max(365).prefault(7) }).prefault({}),
    mediamtx: mediamtxSchema
      .refine((m) => (m.api_user === undefined) === (m.api_password === undefined), {
        message:
          "api_user and api_password must be set together (or neither: use init's credentials)",
      })
      .prefault({}),
    streams: streamsSchema.prefault({}),
    snapshots: snapshotsSchema.prefault({}),
    ui: z
      .strictObject({
        enabled: z.boolean().prefault(true),
        // A signed-in browser keeps its session this long, then signs in again.
        session_ttl: durationAtLeast(60_000, "1m").prefault("12h"),
        max_sessions: z.number().int().min(1).max(10_000).prefault(200),
      })
      .prefault({}),
    cameras: z
      .record(
        z.string().regex(CAMERA_ID, {
          message: 'camera settings are keyed by id, e.g. "camera0"',
        }),
        z.strictObject({
          format: z
            .enum(CAPTURE_FORMATS.map(([fourcc]) => fourcc) as [string, ...string[]])
            .optional(),
          resolution: z
            .string()
            .regex(/^\d+x\d+$/, { message: 'expected a size such as "1280x720"' })
            .optional(),
          fps: positiveInt.optional(),
        }),
      )
      .prefault({}),
    log: z.strictObject({ level: z.enum(LOG_LEVELS).prefault("info") }).prefault({}),
  })
  .transform((config) => ({
    ...config,
    health: { ...config.health, host: config.health.host ?? config.server.host },
    security: {
      ...config.security,
      api_keys_file: config.security.api_keys_file ?? join(config.state.dir, "api-keys.json"),
    },
  }));

export type AgentConfig = z.output<typeof configSchema>;
export type LogLevel = (typeof LOG_LEVELS)[number];
