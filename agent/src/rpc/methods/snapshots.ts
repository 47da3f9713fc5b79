import { z } from "zod";
import { downloadUrl } from "../../media/download-url.ts";
import { FILENAME } from "../../media/storage-layout.ts";
import { isoUtc } from "../../util/time.ts";
import { defineMethod } from "../method.ts";
import { deviceId } from "../params.ts";

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
    const taken = await services.snapshots.take(device, filename);
    return {
      device: taken.device,
      filename: taken.filename,
      status: "SUCCESS",
      timestamp: isoUtc(taken.takenAt),
      file_size: taken.size,
      // Relative to the storage root: never a host path (contract D11).
      file_path: `snapshots/${taken.filename}`,
      download_url: downloadUrl(
        services.config,
        services.downloads,
        connection,
        "snapshots",
        taken.filename,
      ),
    };
  },
});
