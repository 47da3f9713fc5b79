import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { resolutionOf } from "../cameras/camera-view.ts";
import type { Camera } from "../cameras/types.ts";
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

/** How long one preview frame answers every page asking for that camera. */
const PREVIEW_REUSE_MS = 1000;

/** take_snapshot's product logic: checks, a name that never overwrites, the frame, the event. */
export class SnapshotService {
  private readonly previews = new Map<
    string,
    { at: number; pending: boolean; frame: Promise<Uint8Array<ArrayBuffer>> }
  >();

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
    const size = await this.capture(camera, join(directory, name));
    this.notifier.publish("snapshot.taken", {
      device: camera.id,
      filename: name,
      // The mode it is captured in (a camera with a frame to give is a published one).
      resolution: resolutionOf(this.cameras.captureMode(camera)),
    });
    return { device: camera.id, filename: name, size, takenAt: now };
  }

  /**
   * A current frame for the dashboard's still-image fallback: nothing kept, no event. One grab
   * per camera at a time, reused for PREVIEW_REUSE_MS, so many open pages cost one ffmpeg.
   */
  preview(device: string): Promise<Uint8Array<ArrayBuffer>> {
    const camera = this.cameras.connected(device);
    const cached = this.previews.get(camera.id);
    if (cached && (cached.pending || Date.now() - cached.at < PREVIEW_REUSE_MS))
      return cached.frame;
    const target = join(this.config.state.dir, "previews", `${camera.id}.jpg`);
    const entry = {
      at: Date.now(),
      pending: true,
      frame: this.capture(camera, target).then(async () => new Uint8Array(await readFile(target))),
    };
    this.previews.set(camera.id, entry);
    entry.frame
      .then(() => {
        entry.at = Date.now();
      })
      .catch(() => this.previews.delete(camera.id))
      .finally(() => {
        entry.pending = false;
      });
    return entry.frame;
  }

  /**
   * The camera's frame into `target` (atomically): its own still (ONVIF snapshot URI) is full
   * quality and costs no decoding here (nor MediaMTX); when it fails, one frame from the stream.
   */
  private async capture(camera: Camera, target: string): Promise<number> {
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
        return still.length;
      }
      const { size } = await takeSnapshot({
        ffmpeg: this.config.streams.ffmpeg,
        source: await this.media.readUrl(camera.id),
        target,
        timeoutMs: this.config.snapshots.timeout,
        quality: this.config.snapshots.jpeg_quality,
      });
      return size;
    } catch (error) {
      if (error instanceof SnapshotError)
        throw domainErrors.dependencyFailed("ffmpeg", error.message);
      throw error;
    }
  }
}
