import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { cameraView } from "../../cameras/camera-view.ts";
import { downloadUrl } from "../../media/download-url.ts";
import { directoryFor, FILENAME } from "../../media/files.ts";
import { SnapshotError, takeSnapshot } from "../../media/snapshot.ts";
import { isoUtc } from "../../util/time.ts";
import { rpcErrors } from "../errors.ts";
import { defineMethod } from "../method.ts";
import { deviceId } from "../params.ts";
import { cameraOr404 } from "./camera-lookup.ts";
import { requireMediamtx } from "./mediamtx-call.ts";

export const takeSnapshotMethod = defineMethod({
  name: "take_snapshot",
  role: "operator",
  description:
    "One JPEG frame from the camera's stream, kept under snapshots/ (name optional; .jpg added).",
  params: z.object({
    device: deviceId,
    filename: z
      .string()
      .max(251)
      .transform((name) => (name.toLowerCase().endsWith(".jpg") ? name : `${name}.jpg`))
      .refine((name) => FILENAME.test(name), {
        message: "must be a plain file name (letters, digits, . _ -)",
      })
      .optional(),
  }),
  async handler({ device, filename }, { services, connection }) {
    const camera = cameraOr404(services, device);
    if (camera.status !== "CONNECTED")
      throw rpcErrors.invalidState(camera.status, "the camera is not connected");
    await services.storageGuard.assertRoom();
    requireMediamtx(services);
    const now = Date.now();
    const directory = directoryFor(services.config, "snapshots");
    const stamp = isoUtc(now).slice(0, 19).replace("T", "_").replaceAll(":", "-");
    let name = filename ?? `${camera.id}_${stamp}.jpg`;
    // Contract D10: a name already taken gets a -<ms> suffix instead of overwriting.
    if (existsSync(join(directory, name))) name = `${name.slice(0, -4)}-${now % 1000}.jpg`;
    let size: number;
    try {
      ({ size } = await takeSnapshot({
        ffmpeg: services.config.streams.ffmpeg,
        source: await services.mediamtx.readUrl(camera.id),
        target: join(directory, name),
        timeoutMs: services.config.snapshots.timeout,
        quality: services.config.snapshots.jpeg_quality,
      }));
    } catch (error) {
      if (error instanceof SnapshotError) throw rpcErrors.dependencyFailed("ffmpeg", error.message);
      throw error;
    }
    services.notifier.publish("snapshot.taken", {
      device: camera.id,
      filename: name,
      resolution: cameraView(camera, undefined, services.config.cameras[camera.id]).resolution,
    });
    return {
      device: camera.id,
      filename: name,
      status: "SUCCESS",
      timestamp: isoUtc(now),
      file_size: size,
      // Relative to the storage root: never a host path (contract D11).
      file_path: `snapshots/${name}`,
      download_url: downloadUrl(services.config, services.downloads, connection, "snapshots", name),
    };
  },
});
