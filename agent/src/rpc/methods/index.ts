import { buildInfo } from "../../build-info.ts";
import type { RpcMethod } from "../method.ts";
import { createApiKey, listApiKeys, revokeApiKey } from "./api-keys.ts";
import { createBackupMethod, deleteBackup, listBackups } from "./backups.ts";
import {
  addCamera,
  discoverCameras,
  getCameraProfiles,
  removeCamera,
  updateCamera,
} from "./camera-management.ts";
import { getCameraCapabilities, getCameraList, getCameraStatus } from "./cameras.ts";
import { getSubscriptionStats, subscribeEvents, unsubscribeEvents } from "./events.ts";
import { recordingFileMethods, snapshotFileMethods } from "./files.ts";
import {
  getPtzPresets,
  gotoPtzPreset,
  ptzHome,
  ptzMove,
  ptzStop,
  removePtzPreset,
  setPtzPreset,
} from "./ptz.ts";
import { startRecording, stopRecording } from "./recording.ts";
import { discoverMethod } from "./rpc-discover.ts";
import { authenticate, ping } from "./session.ts";
import { takeSnapshotMethod } from "./snapshots.ts";
import { getMetrics, getServerInfo, getStatus, getSystemStatus } from "./status.ts";
import { cleanupOldFiles, getStorageInfo, setRetentionPolicy } from "./storage.ts";
import { startStreaming, stopStreaming } from "./stream-control.ts";
import { getStreamStatus, getStreams, getStreamUrl } from "./stream-status.ts";
import { getUpdateStatus, installUpdate } from "./updates.ts";

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
  addCamera,
  updateCamera,
  removeCamera,
  getCameraProfiles,
  discoverCameras,
  ptzMove,
  ptzStop,
  ptzHome,
  getPtzPresets,
  setPtzPreset,
  gotoPtzPreset,
  removePtzPreset,
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
  createBackupMethod,
  listBackups,
  deleteBackup,
  listApiKeys,
  createApiKey,
  revokeApiKey,
  getUpdateStatus,
  installUpdate,
];

export const methods: readonly RpcMethod[] = [...listed, discoverMethod(listed, buildInfo.version)];
