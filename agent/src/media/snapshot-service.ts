import { existsSync } from "node:fs";
import { join } from "node:path";
import { resolutionOf } from "../cameras/camera-view.ts";
import type { AgentConfig } from "../config/schema.ts";
import { domainErrors } from "../domain-error.ts";
import type { Logger } from "../log/logger.ts";
import type { Notifier } from "../notifications/notifier.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { isoUtc } from "../util/time.ts";
import type { CameraCatalog } from "./camera-catalog.ts";
import type { MediaServer } from "./media-server.ts";
import { SnapshotError, takeSnapshot } from "./snapshot.ts";
import type { StorageGuard } from "./storage-guard.ts";
import { directoryFor } from "./storage-layout.ts";

export interface TakenSnapshot {
  device: string;
  /** Under snapshots/. */
  filename: string;
  size: number;
  takenAt: number;
}

/** take_snapshot's product logic: checks, a name that never overwrites, the frame, the event. */
export class SnapshotService {
  constructor(
    private readonly cameras: CameraCatalog,
    private readonly guard: StorageGuard,
    private readonly media: MediaServer,
    private readonly notifier: Notifier,
    private readonly config: AgentConfig,
    private readonly log: Logger,
  ) {}

  /** `filename`: a plain name ending in .jpg (checked by the caller's schema), else generated. */
  async take(device: string, filename: string | undefined): Promise<TakenSnapshot> {
    const camera = this.cameras.connected(device);
    await this.guard.assertRoom();
    const now = Date.now();
    const directory = directoryFor(this.config, "snapshots");
    const stamp = isoUtc(now).slice(0, 19).replace("T", "_").replaceAll(":", "-");
    let name = filename ?? `${camera.id}_${stamp}.jpg`;
    // Contract D10: a name already taken gets a -<ms> suffix instead of overwriting.
    if (existsSync(join(directory, name))) name = `${name.slice(0, -4)}-${now % 1000}.jpg`;
    const target = join(directory, name);
    let size: number;
    // A camera's own still (ONVIF snapshot URI) is full quality and costs no decoding here
    // (nor MediaMTX); when it fails, one frame from the stream still answers.
    const still = await this.cameras.stillImage(camera)?.catch((error: unknown) => {
      this.log.warn(
        { camera: camera.id, reason: (error as Error).message },
        "the camera's snapshot URI failed: taking a frame from its stream instead",
      );
      return undefined;
    });
    if (!still) this.media.assertAvailable();
    try {
      if (still) {
        await writeFileAtomic(target, still, { mode: 0o640 });
        size = still.length;
      } else
        ({ size } = await takeSnapshot({
          ffmpeg: this.config.streams.ffmpeg,
          source: await this.media.readUrl(camera.id),
          target,
          timeoutMs: this.config.snapshots.timeout,
          quality: this.config.snapshots.jpeg_quality,
        }));
    } catch (error) {
      if (error instanceof SnapshotError)
        throw domainErrors.dependencyFailed("ffmpeg", error.message);
      throw error;
    }
    this.notifier.publish("snapshot.taken", {
      device: camera.id,
      filename: name,
      // The mode it is captured in (a camera with a frame to give is a published one).
      resolution: resolutionOf(this.cameras.captureMode(camera)),
    });
    return { device: camera.id, filename: name, size, takenAt: now };
  }
}
