import { z } from "zod";
import { streamUrls } from "../../media/stream-urls.ts";
import { commandLine } from "../../util/command-line.ts";
import { isoUtc } from "../../util/time.ts";
import { defineMethod } from "../method.ts";
import { deviceId } from "../params.ts";

export const startStreaming = defineMethod({
  name: "start_streaming",
  role: "operator",
  description: "Keeps the camera's publisher running (instead of on demand) until stop_streaming.",
  params: z.object({ device: deviceId }),
  async handler({ device }, { services, connection }) {
    const started = await services.streams.start(device);
    return {
      device: started.device,
      stream_name: started.device,
      stream_url: streamUrls(services.config, connection.host, started.device).rtsp,
      status: "STARTED",
      start_time: isoUtc(started.since),
      auto_close_after: "0s",
      ffmpeg_command: commandLine(started.command),
    };
  },
});

export const stopStreaming = defineMethod({
  name: "stop_streaming",
  role: "operator",
  description:
    "Returns the camera to on-demand publishing; viewers still watching keep it running.",
  params: z.object({ device: deviceId }),
  async handler({ device }, { services }) {
    const stopped = await services.streams.stop(device);
    return {
      device: stopped.device,
      stream_name: stopped.device,
      status: "STOPPED",
      start_time: isoUtc(stopped.since),
      end_time: isoUtc(stopped.until),
      duration: Math.round((stopped.until - stopped.since) / 1000),
      stream_continues: stopped.continues,
      message: stopped.continues
        ? "the stream continues for its other consumers"
        : "the publisher stops with its last viewer",
    };
  },
});
