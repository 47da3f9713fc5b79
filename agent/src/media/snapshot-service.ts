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
import type { FrameKeeper } from "./frame-keeper.ts";
import type { MediaServer } from "./media-server.ts";
import { decodeKeyframe, SnapshotError, takeSnapshot } from "./snapshot.ts";
import type { StorageGuard } from "./storage-guard.ts";
import { directoryFor } from "./storage-layout.ts";

export interface TakenSnapshot {
  device: string;
  /** Under snapshots/. */
  filename: string;
  size: number;
  takenAt: number;
}

/** Where a frame came from: the camera's own still, a kept keyframe, or a new stream session. */
export type FrameSource = "camera" | "kept" | "stream";

/** How long one preview frame answers every page asking for that camera. */
const PREVIEW_REUSE_MS = 1000;

/** take_snapshot's product logic: checks, a name that never overwrites, the frame, the event. */
export class SnapshotService {
  private readonly previews = new Map<
    string,
    { at: number; pending: boolean; frame: Promise<Uint8Array<ArrayBuffer>> }
  >();

  private readonly cameras: CameraCatalog;
  private readonly guard: StorageGuard;
  private readonly media: MediaServer;
  private readonly notifier: Notifier;
  private readonly keeper: FrameKeeper;
  private readonly counted: (source: FrameSource) => void;

  constructor(
    parts: {
      cameras: CameraCatalog;
      guard: StorageGuard;
      media: MediaServer;
      notifier: Notifier;
      keeper: FrameKeeper;
      /** Each frame taken, by where it came from (the snapshots metric). */
      counted: (source: FrameSource) => void;
    },
    private readonly config: AgentConfig,
    private readonly log: Logger,
  ) {
    this.cameras = parts.cameras;
    this.guard = parts.guard;
    this.media = parts.media;
    this.notifier = parts.notifier;
    this.keeper = parts.keeper;
    this.counted = parts.counted;
  }

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
    const { size, at } = await this.capture(camera, join(directory, name));
    this.notifier.publish("snapshot.taken", {
      device: camera.id,
      filename: name,
      // The mode it is captured in (a camera with a frame to give is a published one).
      resolution: resolutionOf(this.cameras.captureMode(camera)),
    });
    // A kept keyframe is stamped with the moment it arrived, not the request's.
    return { device: camera.id, filename: name, size, takenAt: at ?? now };
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
   * quality and costs no decoding here (nor MediaMTX); else the stream's latest keyframe when
   * one is kept (frame-keeper.ts) and at most snapshots.max_age old; else one frame from a
   * new session on the stream, which also starts keeping its keyframes for the next asks.
   * `at`: when a kept keyframe arrived.
   */
  private async capture(camera: Camera, target: string): Promise<{ size: number; at?: number }> {
    const still = await this.cameras.stillImage(camera)?.catch((error: unknown) => {
      this.log.warn(
        { camera: camera.id, reason: (error as Error).message },
        "the camera's snapshot URI failed: taking a frame from its stream instead",
      );
      return undefined;
    });
    if (still) {
      await writeFileAtomic(target, still, { mode: 0o640 });
      this.counted("camera");
      return { size: still.length };
    }
    const jpeg = {
      ffmpeg: this.config.streams.ffmpeg,
      target,
      timeoutMs: this.config.snapshots.timeout,
      quality: this.config.snapshots.jpeg_quality,
    };
    const kept = this.keeper.latest(camera.id);
    if (kept) {
      try {
        const { size } = await decodeKeyframe({ ...jpeg, keyframe: kept.keyframe });
        this.counted("kept");
        return { size, at: kept.at };
      } catch (error) {
        if (!(error instanceof SnapshotError)) throw error;
        this.log.warn(
          { camera: camera.id, reason: error.message },
          "a kept keyframe did not decode: taking a frame from the stream instead",
        );
      }
    }
    this.media.assertAvailable();
    try {
      const source = await this.media.readUrl(camera.id);
      this.keeper.keep(camera.id, source);
      const taken = await takeSnapshot({ ...jpeg, source });
      this.counted("stream");
      return taken;
    } catch (error) {
      if (error instanceof SnapshotError)
        throw domainErrors.dependencyFailed("ffmpeg", error.message);
      throw error;
    }
  }
}
