// What the agent is and how it is doing: build, health, readiness, metrics.

import { z } from "zod";
import { cameraNumber } from "../../camera-ids.ts";
import { type Camera, formatsOf } from "../../cameras/types.ts";
import { memoryUsedPercent } from "../../status/system.ts";
import { isoUtc } from "../../util/time.ts";
import { defineMethod } from "../method.ts";

/** What this build can do; grows as subsystems land, never claims what isn't there. */
const CAPABILITIES = [
  "authentication",
  "api_keys",
  "batch_requests",
  "notifications",
  "health_endpoints",
  "metrics",
  "streaming",
  "recordings",
  "snapshots",
  "retention",
];
/** Recordings are fMP4 (asked for as fmp4 or mp4); snapshots JPEG. */
const FORMATS = ["fmp4", "mp4", "jpg"];

export const getServerInfo = defineMethod({
  name: "get_server_info",
  role: "viewer",
  description: "Name, version, build, runtime, architecture and capabilities of the agent.",
  params: z.object({}),
  handler: (_params, { services }) => ({
    name: "camera-agent",
    version: services.build.version,
    build_date: services.build.buildDate,
    commit: services.build.commit,
    go_version: services.build.runtime,
    architecture: services.build.architecture,
    capabilities: [
      ...CAPABILITIES,
      ...(services.discovery ? ["usb_discovery"] : []),
      ...(services.config.server.tls_cert ? ["tls"] : []),
    ],
    supported_formats: FORMATS,
    max_cameras: services.config.limits.max_cameras,
  }),
});

export const getStatus = defineMethod({
  name: "get_status",
  role: "admin",
  description: "Overall health (HEALTHY|DEGRADED|UNHEALTHY), uptime, version and component states.",
  params: z.object({}),
  async handler(_params, { services }) {
    const snapshot = await services.health.snapshot();
    const state = (name: string) => services.health.componentState(snapshot, name);
    return {
      status: snapshot.status.toUpperCase(),
      uptime: (Date.now() - services.startedAt) / 1000,
      version: services.build.version,
      components: {
        websocket_server: state("websocket_server"),
        camera_monitor: state("camera_monitor"),
        mediamtx: state("mediamtx"),
      },
    };
  },
});

export const getSystemStatus = defineMethod({
  name: "get_system_status",
  role: "viewer",
  description: "Readiness for clients: starting | partial | ready, and the cameras usable now.",
  params: z.object({}),
  handler: (_params, { services }) => {
    const available = services.cameras
      .list()
      .filter((camera) => camera.status === "CONNECTED")
      .map((camera) => camera.id);
    const discovery = services.discovery;
    if (!discovery) {
      return {
        status: "ready",
        message: "USB discovery is disabled (discovery.usb.enabled: false)",
        available_cameras: available,
        discovery_active: false,
      };
    }
    // Discovery runs for as long as the agent does; "finished" means the first full scan.
    const status = discovery.initialScanDone
      ? "ready"
      : available.length > 0
        ? "partial"
        : "starting";
    return {
      status,
      message:
        status === "ready"
          ? `discovery ready: ${available.length} camera(s) available`
          : "initial camera discovery in progress",
      available_cameras: available,
      discovery_active: discovery.active,
    };
  },
});

const round = (value: number) => Math.round(value * 100) / 100;

export const getMetrics = defineMethod({
  name: "get_metrics",
  role: "admin",
  description: "CPU, memory and disk use, active tasks, and camera, recording and stream metrics.",
  params: z.object({}),
  async handler(_params, { services }) {
    const disk = await services.library.disk();
    const usage = {
      cpu_usage: round(services.cpu.usagePercent()),
      memory_usage: round(memoryUsedPercent()),
      disk_usage: round(disk.usedPercent),
    };
    const cameras = services.cameras.list();
    return {
      timestamp: isoUtc(),
      system_metrics: { ...usage, goroutines: services.activeTasks() },
      camera_metrics: {
        connected_cameras: cameras.filter((camera) => camera.status === "CONNECTED").length,
        cameras: Object.fromEntries(cameras.map((camera) => [camera.id, cameraMetrics(camera)])),
      },
      recording_metrics: { active_recordings: services.recordings.active().length },
      stream_metrics: await services.streamStatus.totals(),
      // Contract D13: one client suite reads these at the top level.
      ...usage,
    };
  },
});

/** Contract §6.16 shape. `path` is the MediaMTX path name; host device paths stay private (D11). */
function cameraMetrics(camera: Camera) {
  const caps = camera.source.kind === "usb" ? camera.source.capabilities : undefined;
  return {
    path: camera.id,
    name: camera.name,
    status: camera.status,
    device_num: cameraNumber(camera.id) ?? 0,
    last_seen: camera.lastSeen === undefined ? null : isoUtc(camera.lastSeen),
    capabilities: {
      driver_name: caps?.driver ?? "",
      card_name: caps?.card ?? "",
      bus_info: caps?.busInfo ?? "",
      version: caps?.driverVersion ?? "",
      capabilities: caps?.capabilities ?? [],
      device_caps: caps?.deviceCaps ?? [],
    },
    formats: formatsOf(camera).map((format) => ({
      pixel_format: format.pixelFormat,
      width: format.width,
      height: format.height,
      frame_rates: format.fps.map((fps) => fps.toFixed(3)),
    })),
  };
}
