import { z } from "zod";
import { isoUtc } from "../../util/time.ts";
import { defineMethod } from "../method.ts";
import { deviceId } from "../params.ts";

export const startRecording = defineMethod({
  name: "start_recording",
  role: "operator",
  description:
    "Starts MediaMTX's recorder on the camera (fMP4 segments), until stop_recording or for `duration` seconds.",
  params: z.object({
    device: deviceId,
    duration: z.number().int().min(1).max(86_400).optional(),
    format: z.enum(["fmp4", "mp4", "mkv"]).optional(),
  }),
  async handler({ device, duration, format }, { services }) {
    const started = await services.recordings.start(device, duration, format);
    return {
      device: started.device,
      filename: started.filename,
      status: "RECORDING",
      start_time: isoUtc(started.startedAt),
      format: "fmp4",
    };
  },
});

export const stopRecording = defineMethod({
  name: "stop_recording",
  role: "operator",
  description: "Stops the camera's recording; reports the file it wrote.",
  params: z.object({ device: deviceId }),
  async handler({ device }, { services }) {
    const ended = await services.recordings.stop(device);
    return {
      device: ended.device,
      filename: ended.filename,
      status: "STOPPED",
      start_time: isoUtc(ended.startedAt),
      end_time: isoUtc(ended.endedAt),
      duration: ended.duration,
      file_size: ended.size,
      format: "fmp4",
    };
  },
});
