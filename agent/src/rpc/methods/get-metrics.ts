import { z } from "zod";
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
    return {
      timestamp: isoUtc(),
      system_metrics: { ...usage, goroutines: services.activeTasks() },
      // No camera or MediaMTX subsystem in this build yet: truthful zeros, not invented data.
      camera_metrics: { connected_cameras: 0, cameras: {} },
      recording_metrics: {},
      stream_metrics: { active_streams: 0, total_streams: 0, total_viewers: 0 },
      // Contract D13: one client suite reads these at the top level.
      ...usage,
    };
  },
});
