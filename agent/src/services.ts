import type { ApiKeyStore } from "./auth/api-keys.ts";
import type { Authenticator } from "./auth/authenticator.ts";
import type { LoginThrottle } from "./auth/login-throttle.ts";
import type { WebSessions } from "./auth/web-sessions.ts";
import type { BackupService } from "./backup/backup-service.ts";
import type { BuildInfo } from "./build-info.ts";
import type { OnvifDiscovery } from "./cameras/onvif/onvif-discovery.ts";
import type { UsbDiscovery } from "./cameras/usb/discovery.ts";
import type { AgentConfig } from "./config/schema.ts";
import type { Logger } from "./log/logger.ts";
import type { CameraCatalog } from "./media/camera-catalog.ts";
import type { CameraManagement } from "./media/camera-management.ts";
import type { DownloadSigner } from "./media/download-token.ts";
import type { LiveView } from "./media/live-view.ts";
import type { MediaLibrary } from "./media/media-library.ts";
import type { PtzControl } from "./media/ptz-control.ts";
import type { RecordingControl } from "./media/recording-control.ts";
import type { Retention } from "./media/retention.ts";
import type { SnapshotService } from "./media/snapshot-service.ts";
import type { StreamControl } from "./media/stream-control.ts";
import type { StreamStatus } from "./mediamtx/stream-status.ts";
import type { Notifier } from "./notifications/notifier.ts";
import type { HealthReporter } from "./status/health.ts";
import type { CpuSampler } from "./status/system.ts";
import type { UpdateService } from "./update/update-service.ts";

/**
 * What the edges (RPC methods, HTTP routes, later the UI) may use: domain services and
 * read-only status, never raw clients or mutable state. Assembled once in agent.ts.
 */
export interface AgentServices {
  config: AgentConfig;
  log: Logger;
  build: BuildInfo;
  authenticator: Authenticator;
  /** API keys (create, list, revoke); logins go through the authenticator. */
  apiKeys: ApiKeyStore;
  /** Signed-in dashboard browsers. */
  webSessions: WebSessions;
  /** Live video for the dashboard: WHEP and HLS relayed from MediaMTX on this machine. */
  liveView: LiveView;
  /** Failed logins per client address, across sockets and HTTP requests. */
  loginThrottle: LoginThrottle;
  health: HealthReporter;
  cpu: CpuSampler;
  cameras: CameraCatalog;
  /** Adding, changing and removing cameras by hand. */
  cameraManagement: CameraManagement;
  /** WS-Discovery of ONVIF cameras on the LAN. */
  onvifDiscovery: Pick<OnvifDiscovery, "discover">;
  /** Pan, tilt, zoom and presets of ONVIF cameras. */
  ptz: PtzControl;
  /** Undefined when discovery.usb.enabled is false. */
  discovery: Pick<UsbDiscovery, "active" | "initialScanDone"> | undefined;
  notifier: Notifier;
  /** Signs and checks the ?token= of download URLs. */
  downloads: DownloadSigner;
  retention: Retention;
  recordings: RecordingControl;
  snapshots: SnapshotService;
  /** start_streaming's always-on set. */
  streams: StreamControl;
  /** MediaMTX's paths as it reports them. */
  streamStatus: StreamStatus;
  /** Recordings and snapshots on disk. */
  library: MediaLibrary;
  /** Config backups in the backups directory. */
  backups: BackupService;
  /** A/B system updates (RAUC). */
  updates: UpdateService;
  /** Epoch ms when the agent started. */
  startedAt: number;
  /** Open WebSocket sessions and in-flight calls: the contract's "goroutines". */
  activeTasks(): number;
}
