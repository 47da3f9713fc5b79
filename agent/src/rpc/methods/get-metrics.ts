import { z } from "zod";
import type { Camera } from "../../cameras/types.ts";
import { diskUsage, memoryUsedPercent } from "../../status/system.ts";
import { isoUtc } from "../../util/time.ts";
import { rpcErrors } from "../errors.ts";
import { defineMethod } from "../method.ts";

const round = (value: number) => Math.round(value * 100) / 100;

export const getMetrics = defineMethod({
  name: "get_metrics",
  role: "admin",
  description: "CPU, memory and disk use, active tasks, and camera, recording and stream metrics.",
  params: z.object({}),
  async handler(_params, { services }) {
    const disk = await diskUsage(services.config.storage.root).catch(() => {
      throw rpcErrors.dependencyFailed("storage", "cannot read the storage volume's usage");
    });
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
      // No MediaMTX subsystem in this build yet: truthful zeros, not invented data.
      recording_metrics: {},
      stream_metrics: { active_streams: 0, total_streams: 0, total_viewers: 0 },
      // Contract D13: one client suite reads these at the top level.
      ...usage,
    };
  },
});

/** Contract §6.16 shape. `path` is the MediaMTX path name; host device paths stay private (D11). */
function cameraMetrics(camera: Camera) {
  const caps = camera.capabilities;
  return {
    path: camera.id,
    name: camera.name,
    status: camera.status,
    device_num: Number(camera.id.slice("camera".length)),
    last_seen: camera.lastSeen === undefined ? null : isoUtc(camera.lastSeen),
    capabilities: {
      driver_name: caps?.driver ?? "",
      card_name: caps?.card ?? "",
      bus_info: caps?.busInfo ?? "",
      version: caps?.driverVersion ?? "",
      capabilities: caps?.capabilities ?? [],
      device_caps: caps?.deviceCaps ?? [],
    },
    formats: (caps?.formats ?? []).map((format) => ({
      pixel_format: format.pixelFormat,
      width: format.width,
      height: format.height,
      frame_rates: format.fps.map((fps) => fps.toFixed(3)),
    })),
  };
}
