import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Hono } from "hono";
import { ApiKeyStore } from "./auth/api-keys.ts";
import { Authenticator } from "./auth/authenticator.ts";
import { resolveJwtSecret } from "./auth/jwt-secret.ts";
import { LoginThrottle } from "./auth/login-throttle.ts";
import { buildInfo } from "./build-info.ts";
import { publishCameraChange } from "./cameras/camera-events.ts";
import { CameraRegistry } from "./cameras/registry.ts";
import { UsbDiscovery } from "./cameras/usb/discovery.ts";
import type { AgentConfig } from "./config/schema.ts";
import { fileRoutes } from "./http/file-routes.ts";
import { healthRoutes } from "./http/health-routes.ts";
import { listen, type PeerRoutes } from "./http/servers.ts";
import { WebSocketGateway } from "./http/websocket-gateway.ts";
import type { Logger } from "./log/logger.ts";
import { DownloadSigner } from "./media/download-token.ts";
import { Recorder } from "./media/recorder.ts";
import { publishRecordingChange, recordingStem } from "./media/recording-events.ts";
import { Retention } from "./media/retention.ts";
import { StorageGuard } from "./media/storage-guard.ts";
import { MediaMtxClient } from "./mediamtx/client.ts";
import { readMediamtxCredentials } from "./mediamtx/credentials.ts";
import { resolveEncoder } from "./mediamtx/encoder.ts";
import { MediaMtxMonitor } from "./mediamtx/monitor.ts";
import { PathReconciler } from "./mediamtx/path-reconciler.ts";
import { authorizeMediaRequest } from "./mediamtx/reader-auth.ts";
import { rtspReadUrl } from "./mediamtx/rtsp-read-url.ts";
import { AgentMetrics } from "./metrics/agent-metrics.ts";
import { Notifier } from "./notifications/notifier.ts";
import { RpcEngine } from "./rpc/engine.ts";
import { viewFor } from "./rpc/methods/camera-lookup.ts";
import { methods } from "./rpc/methods/index.ts";
import type { AgentServices } from "./services.ts";
import { openDatabase } from "./state/database.ts";
import { ensureWritableDir } from "./state/writable-dir.ts";
import { HealthReporter } from "./status/health.ts";
import { RpcStats } from "./status/rpc-stats.ts";
import { storageComponent } from "./status/storage.ts";
import { CpuSampler } from "./status/system.ts";

/** How long a download_url handed out in a result stays valid (contract D6). */
const DOWNLOAD_URL_TTL_MS = 15 * 60_000;

export interface RunningAgent {
  services: AgentServices;
  /** Bound ports (the config may say 0 for "any free port"). */
  port: number;
  healthPort: number | undefined;
  /** One line for systemd's STATUS=: cameras, sessions, discovery. */
  summary(): string;
  stop(): Promise<void>;
}

/** Builds every part from the config, binds the listeners, and returns once ready. */
export async function startAgent(config: AgentConfig, log: Logger): Promise<RunningAgent> {
  const startedAt = Date.now();
  await ensureWritableDir(config.state.dir, "state.dir");
  await mkdir(config.storage.root, { recursive: true, mode: 0o750 }).catch((error: unknown) =>
    log.error({ err: error, path: config.storage.root }, "cannot create the storage root"),
  );
  const secret = await resolveJwtSecret(config);
  if (secret.generated) {
    log.warn(
      { path: secret.source },
      "no security.jwt_secret configured: generated one and stored it",
    );
  }
  const apiKeys = new ApiKeyStore(config.security.api_keys_file);
  await apiKeys
    .records()
    .catch((error: unknown) =>
      log.error(
        { err: error },
        "API keys file unusable: API key logins will be refused until fixed",
      ),
    );

  const db = openDatabase(join(config.state.dir, "agent.db"));
  const cameras = new CameraRegistry(db);
  const usb = config.discovery.usb;
  const discovery = usb.enabled
    ? new UsbDiscovery(
        {
          mode: usb.mode,
          sysfsRoot: usb.sysfs_root,
          devRoot: usb.dev_root,
          udevadm: usb.udevadm,
          v4l2ctl: usb.v4l2ctl,
          pollIntervalMs: usb.poll_interval,
          probeTimeoutMs: usb.probe_timeout,
        },
        cameras,
        log,
      )
    : undefined;

  const credentials =
    config.mediamtx.api_user !== undefined
      ? { user: config.mediamtx.api_user, password: config.mediamtx.api_password ?? "" }
      : await readMediamtxCredentials(config);
  if (!credentials)
    log.warn("no MediaMTX credentials (run camera-agent init): calling its API without them");
  const mediamtxClient = new MediaMtxClient({
    baseUrl: config.mediamtx.api_url,
    user: credentials?.user,
    password: credentials?.password,
    timeoutMs: config.mediamtx.request_timeout,
  });
  // Late-bound: a timed recording's end is announced through services built below.
  let announceTimedEnd: (
    device: string,
    startedAt: number,
    endedAt: number,
    reason?: string,
  ) => void = () => {};
  const recorder = new Recorder(db, log, (recording, endedAt) =>
    announceTimedEnd(recording.device, recording.startedAt, endedAt),
  );
  // Cameras start_streaming keeps always-on, until stop_streaming (in memory: a restart
  // returns them to streams.mode).
  const streaming = new Map<string, number>();
  const reconciler = new PathReconciler(
    mediamtxClient,
    cameras,
    {
      mode: config.streams.mode,
      publish: {
        ffmpeg: config.streams.ffmpeg,
        encoder: await resolveEncoder(config.streams.encoder, config.streams.ffmpeg),
        user: credentials?.user ?? "",
        password: credentials?.password ?? "",
        preferences: config.cameras,
      },
      recording: (cameraId) => recorder.active(cameraId) !== undefined,
      alwaysOn: streaming,
      recordPath: join(config.storage.root, "recordings", "%path_%Y-%m-%d_%H-%M-%S-%f"),
    },
    log,
  );
  const mediamtx = new MediaMtxMonitor(
    mediamtxClient,
    reconciler,
    config.mediamtx.api_url,
    { intervalMs: config.mediamtx.health_interval, retryMs: config.mediamtx.retry_interval },
    log,
    config.mediamtx.binary,
  );

  const retention = new Retention(db, config, log);

  const stats = new RpcStats();
  // Late-bound: the engine and gateway need the services these closures report on.
  let engine: RpcEngine | undefined;
  let gateway: WebSocketGateway | undefined;
  const connections = () => gateway?.size ?? 0;
  const inFlight = () => engine?.inFlight ?? 0;
  const activeTasks = () => connections() + inFlight();
  const metrics = new AgentMetrics({
    build: buildInfo,
    startedAt,
    connections,
    inFlight,
    mediamtxUp: () => (mediamtx.available ? 1 : 0),
  });
  const health = new HealthReporter({ stats, connections, tasks: activeTasks });
  const services: AgentServices = {
    config,
    log,
    build: buildInfo,
    authenticator: new Authenticator(secret.value, apiKeys, log),
    loginThrottle: new LoginThrottle(config.limits.failed_logins_per_minute, 60_000, (address) =>
      log.warn(
        { remote: address, limit: config.limits.failed_logins_per_minute },
        "too many failed logins from this address: refusing its logins for the rest of the minute",
      ),
    ),
    health,
    cpu: new CpuSampler(),
    cameras,
    discovery,
    mediamtx: {
      client: mediamtxClient,
      monitor: mediamtx,
      reconciler,
      streaming,
      readUrl: (cameraId) => rtspReadUrl(config, mediamtxClient, credentials, cameraId),
    },
    notifier: new Notifier(() => gateway?.sessions() ?? []),
    downloads: new DownloadSigner(secret.value, DOWNLOAD_URL_TTL_MS),
    retention,
    recorder,
    storageGuard: new StorageGuard(
      config,
      recorder,
      (recording, endedAt) =>
        announceTimedEnd(recording.device, recording.startedAt, endedAt, "storage_full"),
      log,
    ),
    startedAt,
    activeTasks,
  };
  engine = new RpcEngine({
    methods,
    services,
    log,
    observer: {
      observe(method, outcome, seconds) {
        stats.observe(method, outcome, seconds);
        metrics.observe(method, outcome, seconds);
      },
    },
    maxFrameBytes: config.limits.max_frame_bytes,
    maxBatch: config.limits.max_batch,
  });
  gateway = new WebSocketGateway(config, engine, log, {
    rejected: metrics.rejectedConnections,
    slowConsumers: metrics.slowConsumers,
  });
  health.register(gateway.healthComponent());
  health.register(storageComponent(config.storage.root));
  if (discovery) health.register(discovery.healthComponent());
  health.register(mediamtx.healthComponent());
  cameras.onChange((change) => {
    publishCameraChange(services.notifier, change, (camera, host) =>
      viewFor(services, camera, host),
    );
    void mediamtx.reconcile();
  });

  const healthApp = healthRoutes(services, () => metrics.registry.render());
  const app = new Hono<PeerRoutes>().route("/", healthApp).route("/", fileRoutes(services));
  const authenticator = services.authenticator;
  const listeners = listen(config, gateway, app, healthApp, async (request) => {
    const body = await request.json().catch(() => undefined);
    const decision = await authorizeMediaRequest(
      body,
      credentials,
      authenticator,
      services.loginThrottle,
      log,
    );
    return new Response(decision.allowed ? "ok\n" : "denied\n", {
      status: decision.allowed ? 200 : 401,
    });
  });
  health.markStarted();
  discovery
    ?.start()
    .catch((error: unknown) => log.error({ err: error }, "USB discovery failed to start"));
  announceTimedEnd = (device, startedAt, endedAt, reason) => {
    void mediamtx.reconcile();
    publishRecordingChange(services.notifier, "STOPPED", {
      device,
      filename: recordingStem(device, startedAt),
      duration: Math.round((endedAt - startedAt) / 1000),
      ...(reason ? { reason } : {}),
    });
  };
  recorder.resume();
  services.storageGuard.start();
  mediamtx.start();
  retention.start();
  log.info(
    {
      listen: `${hostPort(config.server.host, listeners.main.port)}${config.server.websocket_path}`,
      health: listeners.health ? hostPort(config.health.host, listeners.health.port) : "off",
      version: buildInfo.version,
      commit: buildInfo.commit,
    },
    "camera-agent started",
  );

  const activeGateway = gateway;
  let stopping: Promise<void> | undefined;
  return {
    services,
    port: listeners.main.port ?? config.server.port,
    healthPort: listeners.health?.port,
    summary() {
      const all = cameras.list();
      const connected = all.filter((camera) => camera.status === "CONNECTED").length;
      const sessions = connections();
      return [
        `cameras ${connected}/${all.length} connected`,
        `${sessions} client${sessions === 1 ? "" : "s"}`,
        discovery
          ? `USB discovery ${discovery.initialScanDone ? "ready" : "starting"}`
          : "USB discovery off",
        `MediaMTX ${mediamtx.state}`,
      ].join(", ");
    },
    stop() {
      stopping ??= (async () => {
        // Stop admitting first; health stays up so readiness reports the drain.
        listeners.main.stop(false);
        discovery?.stop();
        mediamtx.stop();
        retention.stop();
        recorder.stopTimers();
        services.storageGuard.stop();
        await activeGateway.shutdown(config.server.shutdown_timeout);
        listeners.main.stop(true);
        listeners.health?.stop(true);
        db.close();
        log.info("camera-agent stopped");
      })();
      return stopping;
    },
  };
}

function hostPort(host: string, port: number | undefined): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
