// Warm snapshots: once a camera's stream has been asked for a frame, one reader stays on it for
// `snapshots.keep_reader` after the last ask and keeps the stream's latest keyframe. ffmpeg
// copies the stream and drops every frame but the keyframes (no decoding while it waits, so a
// kept reader costs little CPU), as FLV so a keyframe is known whole when its last byte comes.
// A snapshot then decodes just that keyframe, about 0.1 s, instead of opening a session and
// waiting for the next keyframe (0.75 s and more). H.264 only; other streams are not kept.
import { execa, type ResultPromise } from "execa";
import type { Logger } from "../log/logger.ts";
import { FlvFormatError, FlvKeyframes } from "./flv-keyframes.ts";

export interface KeptKeyframe {
  /** Annex B: SPS, PPS, then the frame's NAL units. */
  keyframe: Uint8Array;
  /** When it arrived (ms since the epoch). */
  at: number;
}

export interface FrameKeeperOptions {
  ffmpeg: string;
  /** How long a reader stays after the last ask; 0 turns keeping off. */
  keepMs: number;
  /** A kept keyframe older than this is not handed out. */
  maxAgeMs: number;
  /** At most this many readers at once (one per camera). */
  maxReaders: number;
}

interface Reader {
  child: ResultPromise;
  until: number;
  timer: ReturnType<typeof setTimeout>;
  latest?: KeptKeyframe;
}

export class FrameKeeper {
  private readonly readers = new Map<string, Reader>();
  /** Cameras whose reader ended without a keyframe: not tried again before this time. */
  private readonly failedUntil = new Map<string, number>();

  constructor(
    private readonly options: FrameKeeperOptions,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  /** The camera's latest keyframe when one at most maxAgeMs old is kept; renews its reader. */
  latest(camera: string): KeptKeyframe | undefined {
    const reader = this.readers.get(camera);
    if (!reader) return undefined;
    reader.until = this.now() + this.options.keepMs;
    const kept = reader.latest;
    return kept && this.now() - kept.at <= this.options.maxAgeMs ? kept : undefined;
  }

  /** Keeps a reader on the camera's stream for keepMs from now: renewed, or started. */
  keep(camera: string, source: string): void {
    const running = this.readers.get(camera);
    if (running) {
      running.until = this.now() + this.options.keepMs;
      return;
    }
    if (this.options.keepMs === 0 || this.readers.size >= this.options.maxReaders) return;
    if ((this.failedUntil.get(camera) ?? 0) > this.now()) return;
    this.failedUntil.delete(camera);
    this.start(camera, source);
  }

  get size(): number {
    return this.readers.size;
  }

  stopAll(): void {
    for (const camera of [...this.readers.keys()]) this.stop(camera);
  }

  private start(camera: string, source: string): void {
    const child = execa(
      this.options.ffmpeg,
      [
        "-hide_banner",
        "-loglevel",
        "error",
        "-rtsp_transport",
        "tcp",
        "-fpsprobesize",
        "0",
        "-i",
        source,
        "-map",
        "0:v:0",
        "-c:v",
        "copy",
        // IDR slices, SPS and PPS only: every other frame is dropped inside ffmpeg.
        "-bsf:v",
        "filter_units=pass_types=5|7|8",
        "-flush_packets",
        "1",
        "-f",
        "flv",
        "pipe:1",
      ],
      { buffer: false, stdin: "ignore", stderr: "pipe", reject: false, cleanup: true },
    );
    const reader: Reader = {
      child,
      until: this.now() + this.options.keepMs,
      timer: setTimeout(() => this.expire(camera, reader), this.options.keepMs),
    };
    this.readers.set(camera, reader);
    const parser = new FlvKeyframes((keyframe) => {
      reader.latest = { keyframe, at: this.now() };
    });
    child.stdout?.on("data", (chunk: Uint8Array) => {
      try {
        parser.push(chunk);
      } catch (error) {
        if (!(error instanceof FlvFormatError)) throw error;
        this.giveUp(camera, error.message);
      }
      if (parser.otherCodec) this.giveUp(camera, "the stream is not H.264");
    });
    let stderr = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (text: string) => {
      stderr = (stderr + text).slice(-2000);
    });
    void child.then((result) => {
      if (this.readers.get(camera) !== reader) return;
      clearTimeout(reader.timer);
      this.readers.delete(camera);
      if (reader.latest) return;
      // Never a keyframe (no stream, or one ffmpeg cannot put in FLV such as H.265).
      const reason = stderr.trim().split("\n").at(-1) || `exit ${result.exitCode}`;
      this.giveUp(camera, reason.replaceAll(source, "<camera stream>"));
    });
  }

  /** Stops the camera's reader and starts none for keepMs: snapshots take the usual way. */
  private giveUp(camera: string, reason: string): void {
    this.stop(camera);
    this.failedUntil.set(camera, this.now() + this.options.keepMs);
    this.log.info({ camera, reason }, "no keyframes kept for this camera for now");
  }

  private expire(camera: string, reader: Reader): void {
    if (this.readers.get(camera) !== reader) return;
    const left = reader.until - this.now();
    if (left > 0) reader.timer = setTimeout(() => this.expire(camera, reader), left);
    else this.stop(camera);
  }

  private stop(camera: string): void {
    const reader = this.readers.get(camera);
    if (!reader) return;
    clearTimeout(reader.timer);
    this.readers.delete(camera);
    reader.child.kill("SIGTERM");
  }
}
