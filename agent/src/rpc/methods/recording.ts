import { z } from "zod";
import { newestRecording } from "../../media/files.ts";
import { publishRecordingChange, recordingStem } from "../../media/recording-events.ts";
import { isoUtc } from "../../util/time.ts";
import { ERROR_CODES, RpcError, rpcErrors } from "../errors.ts";
import { defineMethod } from "../method.ts";
import { deviceId } from "../params.ts";
import { cameraOr404 } from "./camera-lookup.ts";
import { requireMediamtx } from "./mediamtx-call.ts";

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
    const camera = cameraOr404(services, device);
    if (format === "mkv") {
      throw new RpcError(ERROR_CODES.unsupported, {
        reason: "unsupported",
        details: "MediaMTX records fMP4 (.mp4); Matroska is not available",
        suggestion: "use format fmp4 or mp4",
        feature: "mkv recording",
      });
    }
    if (camera.status !== "CONNECTED")
      throw rpcErrors.invalidState(camera.status, "the camera is not connected");
    const alreadyRecording = () =>
      rpcErrors.invalidState("RECORDING", "the camera is already recording");
    if (services.recorder.active(camera.id)) throw alreadyRecording();
    await services.storageGuard.assertRoom();
    requireMediamtx(services);
    const { monitor } = services.mediamtx;
    // Checked again as it is claimed: another request may have started it during the await.
    const recording = services.recorder.start(camera.id, duration);
    if (!recording) throw alreadyRecording();
    await monitor.reconcile();
    if (!monitor.available) {
      services.recorder.stop(camera.id);
      throw rpcErrors.dependencyFailed("MediaMTX", "MediaMTX did not accept the recording");
    }
    const filename = recordingStem(camera.id, recording.startedAt);
    publishRecordingChange(services.notifier, "RECORDING", {
      device: camera.id,
      filename,
      duration: 0,
    });
    return {
      device: camera.id,
      filename,
      status: "RECORDING",
      start_time: isoUtc(recording.startedAt),
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
    const camera = cameraOr404(services, device);
    const ended = services.recorder.stop(camera.id);
    if (!ended) throw rpcErrors.invalidState("STOPPED", "the camera is not recording");
    await services.mediamtx.monitor.reconcile();
    const { recording, endedAt } = ended;
    // The newest segment of this camera written since the recording started, if MediaMTX wrote one.
    const newest = await newestRecording(services.config, camera.id);
    const written = newest && newest.modified >= recording.startedAt - 1000 ? newest : undefined;
    const filename = written?.name ?? recordingStem(camera.id, recording.startedAt);
    const duration = Math.round((endedAt - recording.startedAt) / 1000);
    publishRecordingChange(services.notifier, "STOPPED", { device: camera.id, filename, duration });
    return {
      device: camera.id,
      filename,
      status: "STOPPED",
      start_time: isoUtc(recording.startedAt),
      end_time: isoUtc(endedAt),
      duration,
      file_size: written?.size ?? 0,
      format: "fmp4",
    };
  },
});
