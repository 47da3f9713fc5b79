import type { Authenticator } from "./auth/authenticator.ts";
import type { LoginThrottle } from "./auth/login-throttle.ts";
import type { BuildInfo } from "./build-info.ts";
import type { CameraRegistry } from "./cameras/registry.ts";
import type { UsbDiscovery } from "./cameras/usb/discovery.ts";
import type { AgentConfig } from "./config/schema.ts";
import type { Logger } from "./log/logger.ts";
import type { DownloadSigner } from "./media/download-token.ts";
import type { Recorder } from "./media/recorder.ts";
import type { Retention } from "./media/retention.ts";
import type { StorageGuard } from "./media/storage-guard.ts";
import type { MediaMtxClient } from "./mediamtx/client.ts";
import type { MediaMtxMonitor } from "./mediamtx/monitor.ts";
import type { PathReconciler } from "./mediamtx/path-reconciler.ts";
import type { Notifier } from "./notifications/notifier.ts";
import type { HealthReporter } from "./status/health.ts";
import type { CpuSampler } from "./status/system.ts";

/** What RPC methods and HTTP routes may use; assembled once in agent.ts. */
export interface AgentServices {
  config: AgentConfig;
  log: Logger;
  build: BuildInfo;
  authenticator: Authenticator;
  /** Failed logins per client address, across sockets and HTTP requests. */
  loginThrottle: LoginThrottle;
  health: HealthReporter;
  cpu: CpuSampler;
  cameras: CameraRegistry;
  /** Undefined when discovery.usb.enabled is false. */
  discovery: UsbDiscovery | undefined;
  notifier: Notifier;
  /** Signs and checks the ?token= of download URLs. */
  downloads: DownloadSigner;
  retention: Retention;
  recorder: Recorder;
  storageGuard: StorageGuard;
  mediamtx: {
    client: MediaMtxClient;
    monitor: MediaMtxMonitor;
    reconciler: PathReconciler;
    /** Cameras made always-on by start_streaming: id → since when (epoch ms). */
    streaming: Map<string, number>;
    /** rtsp://… to read a camera's path as the agent (snapshots). */
    readUrl(cameraId: string): Promise<string>;
  };
  /** Epoch ms when the agent started. */
  startedAt: number;
  /** Open WebSocket sessions and in-flight calls: the contract's "goroutines". */
  activeTasks(): number;
}
