import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { Hono } from "hono";
import { ApiKeyStore } from "./auth/api-keys.ts";
import { Authenticator } from "./auth/authenticator.ts";
import { resolveJwtSecret } from "./auth/jwt-secret.ts";
import { LoginThrottle } from "./auth/login-throttle.ts";
import { WebSessions } from "./auth/web-sessions.ts";
import { BackupService } from "./backup/backup-service.ts";
import { buildInfo } from "./build-info.ts";
import { publishCameraChange } from "./cameras/camera-events.ts";
import { OnvifDiscovery } from "./cameras/onvif/onvif-discovery.ts";
import { OnvifSessions } from "./cameras/onvif/onvif-sessions.ts";
import { CameraRegistry } from "./cameras/registry.ts";
import { NetworkCameraStore } from "./cameras/rtsp/network-camera-store.ts";
import { RtspPublisher } from "./cameras/rtsp/rtsp-publisher.ts";
import { RtspWatch } from "./cameras/rtsp/rtsp-watch.ts";
import { CameraSources } from "./cameras/source.ts";
import { UsbDiscovery } from "./cameras/usb/discovery.ts";
import { UsbPublisher } from "./cameras/usb/usb-publisher.ts";
import type { AgentConfig } from "./config/schema.ts";
import { configurationDirectory } from "./config/systemd-directories.ts";
import { CredentialSweep } from "./http/credential-sweep.ts";
import { fileRoutes } from "./http/file-routes.ts";
import { healthRoutes } from "./http/health-routes.ts";
import { lazyRoutes } from "./http/lazy-routes.ts";
import { listen, type PeerRoutes } from "./http/servers.ts";
import { WebSocketFanout } from "./http/websocket-fanout.ts";
import { WebSocketGateway } from "./http/websocket-gateway.ts";
import type { Logger } from "./log/logger.ts";
import { AlwaysOnSet } from "./media/always-on.ts";
import { CameraCatalog } from "./media/camera-catalog.ts";
import { CameraManagement } from "./media/camera-management.ts";
import { DownloadSigner } from "./media/download-token.ts";
import { FrameKeeper } from "./media/frame-keeper.ts";
import { LiveView } from "./media/live-view.ts";
import { MediaLibrary } from "./media/media-library.ts";
import { PtzControl } from "./media/ptz-control.ts";
import { Recorder } from "./media/recorder.ts";
import { RecordingControl } from "./media/recording-control.ts";
import { Retention } from "./media/retention.ts";
import { SnapshotService } from "./media/snapshot-service.ts";
import { StorageGuard } from "./media/storage-guard.ts";
import { recordPath } from "./media/storage-layout.ts";
import { StreamControl } from "./media/stream-control.ts";
import { MediaMtxClient } from "./mediamtx/client.ts";
import { type MediamtxCredentials, readMediamtxCredentials } from "./mediamtx/credentials.ts";
import { MediaMtxProbe } from "./mediamtx/health-probe.ts";
import { PathReconciler } from "./mediamtx/path-reconciler.ts";
import { authorizeMediaRequest } from "./mediamtx/reader-auth.ts";
import { ReconcileLoop } from "./mediamtx/reconcile-loop.ts";
import { rtspReadUrl } from "./mediamtx/rtsp-read-url.ts";
import { StreamStatus } from "./mediamtx/stream-status.ts";
import { AgentMetrics } from "./metrics/agent-metrics.ts";
import { Notifier } from "./notifications/notifier.ts";
import type { RpcConnection } from "./rpc/connection.ts";
import { RpcEngine } from "./rpc/engine.ts";
import { methods } from "./rpc/methods/index.ts";
import type { AgentServices } from "./services.ts";
import { MIGRATIONS, openDatabase } from "./state/database.ts";
import { ensureWritableDir } from "./state/writable-dir.ts";
import { Activity } from "./status/activity.ts";
import type { HealthComponent } from "./status/component.ts";
import { HealthReporter } from "./status/health.ts";
import { RpcStats } from "./status/rpc-stats.ts";
import { storageComponent } from "./status/storage.ts";
import { CpuSampler } from "./status/system.ts";
import { UpdateService } from "./update/update-service.ts";
import { hostPort } from "./util/host.ts";

/** How long a download_url handed out in a result stays valid (contract D6). */
const DOWNLOAD_URL_TTL_MS = 15 * 60_000;
/** How soon a socket that only listens loses a revoked key or an expired session. */
const CREDENTIAL_SWEEP_MS = 2000;

/** A part the agent runs: started in list order, stopped in reverse, its health reported. */
interface Component {
  readonly name: string;
  start?(): void;
  stop?(): void;
  health?: HealthComponent;
}

export interface RunningAgent {
  services: AgentServices;
  /** The USB source, when enabled (tests and benchmarks drive its scans). */
  discovery: UsbDiscovery | undefined;
  /** The MediaMTX side: its probe and the one reconcile loop. */
  mediamtx: { probe: MediaMtxProbe; loop: ReconcileLoop };
  /** Bound ports (the config may say 0 for "any free port"). */
  port: number;
  healthPort: number | undefined;
  /** One line for systemd's STATUS=: cameras, sessions, discovery. */
  summary(): string;
  stop(): Promise<void>;
}

/** Where the agent's configuration lives: what its backups take besides the state. */
export interface ConfigFiles {
  /** The config file it runs with, if any. */
  configFile: string | undefined;
  /** The configuration directory (admin key, mediamtx.yml, TLS, …). */
  configDir: string;
}

/** Builds every part from the config, binds the listeners, and returns once ready. */
export async function startAgent(
  config: AgentConfig,
  log: Logger,
  files: ConfigFiles = {
    configFile: undefined,
    configDir: configurationDirectory(process.env),
  },
): Promise<RunningAgent> {
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
  const credentials = await mediamtxLogin(config, log);
  const db = openDatabase(join(config.state.dir, "agent.db"), MIGRATIONS, log);

  // Sources → registry.
  const registry = new CameraRegistry(db);
  const discovery = usbDiscovery(config, registry, log);
  const networkCameras = new NetworkCameraStore(db);
  const networkWatch = new RtspWatch(
    {
      intervalMs: config.discovery.network.check_interval,
      timeoutMs: config.discovery.network.check_timeout,
      maxBackoffMs: config.discovery.network.max_backoff,
    },
    networkCameras,
    registry,
    log,
  );
  const networkPublisher = new RtspPublisher(networkCameras, config.snapshots.timeout);
  const onvifSessions = new OnvifSessions(config.discovery.network.check_timeout);
  const sources = new CameraSources(
    {
      rtsp: networkPublisher,
      onvif: networkPublisher,
      usb: new UsbPublisher({
        ffmpeg: config.streams.ffmpeg,
        encoder: config.streams.encoder,
        user: credentials?.user ?? "",
        password: credentials?.password ?? "",
      }),
    },
    config.cameras,
  );

  // The edge's live counts and sessions, made first: health, metrics and notifications read them.
  const sessions = new Set<RpcConnection>();
  const activity = new Activity(sessions);
  const fanout = new WebSocketFanout(config.limits.send_buffer_bytes);
  const notifier = new Notifier(() => sessions, fanout);

  const onvifDiscovery = new OnvifDiscovery(
    {
      enabled: config.discovery.onvif.enabled,
      intervalMs: config.discovery.onvif.interval,
      probeTimeoutMs: config.discovery.onvif.probe_timeout,
      networkInterface: config.discovery.onvif.interface,
    },
    registry,
    notifier,
    log,
  );

  // The MediaMTX side and the domain services.
  const client = new MediaMtxClient({
    baseUrl: config.mediamtx.api_url,
    user: credentials?.user,
    password: credentials?.password,
    timeoutMs: config.mediamtx.request_timeout,
  });
  const probe = new MediaMtxProbe(
    client,
    config.mediamtx.api_url,
    { intervalMs: config.mediamtx.health_interval, retryMs: config.mediamtx.retry_interval },
    log,
    config.mediamtx.binary,
  );
  const recorder = new Recorder(db, log);
  const cameras = new CameraCatalog(registry, sources, config);
  const alwaysOn = new AlwaysOnSet();
  const loop = new ReconcileLoop(
    new PathReconciler(
      client,
      {
        cameras: () => registry.list(),
        sources,
        mode: config.streams.mode,
        recording: (id) => recorder.active(id) !== undefined,
        alwaysOn: (id) => alwaysOn.has(id),
        recordPath: recordPath(config),
      },
      log,
    ),
    probe,
    client,
    (id) => rtspReadUrl(config, client, credentials, id),
    log,
  );
  const guard = new StorageGuard(config, recorder, log);
  const keeper = new FrameKeeper(
    {
      ffmpeg: config.streams.ffmpeg,
      keepMs: config.snapshots.keep_reader,
      maxAgeMs: config.snapshots.max_age,
      maxReaders: config.snapshots.max_readers,
    },
    log,
  );
  const retention = new Retention(db, config, log);
  const recordings = new RecordingControl(cameras, recorder, guard, loop, notifier, config, log);

  // Every input of the desired state feeds the one loop.
  registry.onChange((change) => {
    publishCameraChange(notifier, change, (camera, host) => cameras.view(camera, host));
    void loop.request();
  });
  recorder.onChange(() => void loop.request());
  alwaysOn.onChange(() => void loop.request());

  const stats = new RpcStats();
  const metrics = new AgentMetrics({
    build: buildInfo,
    startedAt,
    connections: () => activity.connections,
    inFlight: () => activity.inFlight,
    mediamtxUp: () => (probe.available ? 1 : 0),
    recordings: () => recorder.all().length,
    cameraStatuses: () => registry.list().map((camera) => camera.status),
    snapshotReaders: () => keeper.size,
  });
  const health = new HealthReporter({
    stats,
    connections: () => activity.connections,
    tasks: () => activity.tasks,
  });
  const backups = new BackupService({ config, ...files }, buildInfo.version, log);
  const webSessions = new WebSessions(config.ui.session_ttl, config.ui.max_sessions);
  const services: AgentServices = {
    config,
    log,
    build: buildInfo,
    authenticator: new Authenticator(secret.value, apiKeys, log, (id) => webSessions.alive(id)),
    apiKeys,
    webSessions,
    liveView: new LiveView(config, cameras, credentials),
    loginThrottle: new LoginThrottle(config.limits.failed_logins_per_minute, 60_000, (address) =>
      log.warn(
        { remote: address, limit: config.limits.failed_logins_per_minute },
        "too many failed logins from this address: refusing its logins for the rest of the minute",
      ),
    ),
    health,
    cpu: new CpuSampler(),
    cameras,
    cameraManagement: new CameraManagement(
      registry,
      cameras,
      networkCameras,
      networkWatch,
      onvifSessions,
      loop,
      (id) => recordings.isRecording(id),
      config.limits.max_cameras,
    ),
    ptz: new PtzControl(cameras, networkCameras, onvifSessions),
    onvifDiscovery,
    discovery,
    notifier,
    downloads: new DownloadSigner(secret.value, DOWNLOAD_URL_TTL_MS),
    retention,
    recordings,
    snapshots: new SnapshotService(
      {
        cameras,
        guard,
        media: loop,
        notifier,
        keeper,
        counted: (source) => metrics.snapshots.inc({ source }),
      },
      config,
      log,
    ),
    streams: new StreamControl(cameras, sources, alwaysOn, loop, config.streams.mode),
    streamStatus: new StreamStatus(probe, client),
    library: new MediaLibrary(config, recorder, log),
    backups,
    updates: new UpdateService({
      config,
      recordings,
      backups,
      notifier,
      log,
      runtimeDirectory: process.env.RUNTIME_DIRECTORY?.split(":")[0],
    }),
    startedAt,
    activeTasks: () => activity.tasks,
  };

  // Edges.
  const engine = new RpcEngine({
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
    activity,
  });
  const gateway = new WebSocketGateway(
    config,
    engine,
    log,
    { rejected: metrics.rejectedConnections, slowConsumers: metrics.slowConsumers },
    webSessions,
    sessions,
    fanout,
  );
  const sweep = new CredentialSweep(
    sessions,
    (identity) => services.authenticator.check(identity),
    CREDENTIAL_SWEEP_MS,
  );
  const healthApp = healthRoutes(services, () => metrics.registry.render());
  const app = new Hono<PeerRoutes>().route("/", healthApp).route("/", fileRoutes(services));
  if (config.ui.enabled) {
    const ui = () => import("./http/ui-routes.ts").then((module) => module.uiRoutes(services));
    app.route("/", lazyRoutes(ui));
  }
  const listeners = listen(config, gateway, app, healthApp, async (request) => {
    const body = await request.json().catch(() => undefined);
    const decision = await authorizeMediaRequest(
      body,
      credentials,
      services.authenticator,
      services.loginThrottle,
      log,
    );
    return new Response(decision.allowed ? "ok\n" : "denied\n", {
      status: decision.allowed ? 200 : 401,
    });
  });

  const components: Component[] = [
    { name: "api", health: gateway.healthComponent() },
    {
      name: "credential sweep",
      start: () => sweep.start(),
      stop: () => sweep.stop(),
    },
    { name: "storage", health: storageComponent(config) },
    ...(discovery
      ? [
          {
            name: "usb discovery",
            start: () =>
              void discovery
                .start()
                .catch((error: unknown) =>
                  log.error({ err: error }, "USB discovery failed to start"),
                ),
            stop: () => discovery.stop(),
            health: discovery.healthComponent(),
          },
        ]
      : []),
    {
      name: "network cameras",
      start: () => networkWatch.start(),
      stop: () => networkWatch.stop(),
      health: networkWatch.healthComponent(),
    },
    {
      name: "onvif discovery",
      start: () => onvifDiscovery.start(),
      stop: () => onvifDiscovery.stop(),
    },
    {
      name: "recordings",
      start: () => recorder.resume(),
      stop: () => recorder.stopTimers(),
    },
    { name: "storage guard", start: () => guard.start(), stop: () => guard.stop() },
    {
      name: "mediamtx",
      start: () => probe.start(),
      stop: () => probe.stop(),
      health: probe.healthComponent(),
    },
    { name: "retention", start: () => retention.start(), stop: () => retention.stop() },
    { name: "kept snapshot readers", stop: () => keeper.stopAll() },
  ];
  for (const component of components) if (component.health) health.register(component.health);
  health.markStarted();
  for (const component of components) component.start?.();
  log.info(
    {
      listen: `${hostPort(config.server.host, listeners.main.port)}${config.server.websocket_path}`,
      health: listeners.health ? hostPort(config.health.host, listeners.health.port) : "off",
      version: buildInfo.version,
      commit: buildInfo.commit,
    },
    "camera-agent started",
  );

  let stopping: Promise<void> | undefined;
  return {
    services,
    discovery,
    mediamtx: { probe, loop },
    port: listeners.main.port ?? config.server.port,
    healthPort: listeners.health?.port,
    summary() {
      const all = registry.list();
      const connected = all.filter((camera) => camera.status === "CONNECTED").length;
      const clients = activity.connections;
      return [
        `cameras ${connected}/${all.length} connected`,
        `${clients} client${clients === 1 ? "" : "s"}`,
        discovery
          ? `USB discovery ${discovery.initialScanDone ? "ready" : "starting"}`
          : "USB discovery off",
        `MediaMTX ${probe.state}`,
      ].join(", ");
    },
    stop() {
      stopping ??= (async () => {
        // Stop admitting first; health stays up so readiness reports the drain.
        listeners.main.stop(false);
        for (const component of [...components].reverse()) component.stop?.();
        await gateway.shutdown(config.server.shutdown_timeout);
        listeners.main.stop(true);
        listeners.health?.stop(true);
        db.close();
        log.info("camera-agent stopped");
      })();
      return stopping;
    },
  };
}

/** The agent's MediaMTX login: from the config, else the one `init` stored. */
async function mediamtxLogin(
  config: AgentConfig,
  log: Logger,
): Promise<MediamtxCredentials | undefined> {
  if (config.mediamtx.api_user !== undefined) {
    return { user: config.mediamtx.api_user, password: config.mediamtx.api_password ?? "" };
  }
  const stored = await readMediamtxCredentials(config);
  if (!stored)
    log.warn("no MediaMTX credentials (run camera-agent init): calling its API without them");
  return stored;
}

function usbDiscovery(
  config: AgentConfig,
  registry: CameraRegistry,
  log: Logger,
): UsbDiscovery | undefined {
  const usb = config.discovery.usb;
  if (!usb.enabled) return undefined;
  return new UsbDiscovery(
    {
      mode: usb.mode,
      sysfsRoot: usb.sysfs_root,
      devRoot: usb.dev_root,
      udevadm: usb.udevadm,
      v4l2ctl: usb.v4l2ctl,
      pollIntervalMs: usb.poll_interval,
      probeTimeoutMs: usb.probe_timeout,
    },
    registry,
    log,
  );
}
