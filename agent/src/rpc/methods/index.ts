import { buildInfo } from "../../build-info.ts";
import type { RpcMethod } from "../method.ts";
import { authenticate } from "./authenticate.ts";
import { recordingFileMethods, snapshotFileMethods } from "./files.ts";
import { getCameraCapabilities } from "./get-camera-capabilities.ts";
import { getCameraList } from "./get-camera-list.ts";
import { getCameraStatus } from "./get-camera-status.ts";
import { getMetrics } from "./get-metrics.ts";
import { getServerInfo } from "./get-server-info.ts";
import { getStatus } from "./get-status.ts";
import { getSystemStatus } from "./get-system-status.ts";
import { ping } from "./ping.ts";
import { startRecording, stopRecording } from "./recording.ts";
import { discoverMethod } from "./rpc-discover.ts";
import { cleanupOldFiles, getStorageInfo, setRetentionPolicy } from "./storage.ts";
import { startStreaming, stopStreaming } from "./streaming.ts";
import { getStreamStatus, getStreams, getStreamUrl } from "./streams.ts";
import { getSubscriptionStats, subscribeEvents, unsubscribeEvents } from "./subscribe-events.ts";
import { takeSnapshotMethod } from "./take-snapshot.ts";

const listed: readonly RpcMethod[] = [
  ping,
  authenticate,
  getServerInfo,
  getStatus,
  getSystemStatus,
  getMetrics,
  getCameraList,
  getCameraStatus,
  getCameraCapabilities,
  subscribeEvents,
  unsubscribeEvents,
  getSubscriptionStats,
  getStreams,
  getStreamUrl,
  getStreamStatus,
  ...recordingFileMethods,
  ...snapshotFileMethods,
  getStorageInfo,
  setRetentionPolicy,
  cleanupOldFiles,
  startRecording,
  stopRecording,
  takeSnapshotMethod,
  startStreaming,
  stopStreaming,
];

export const methods: readonly RpcMethod[] = [...listed, discoverMethod(listed, buildInfo.version)];
