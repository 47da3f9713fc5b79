import { CAPTURE_FORMATS } from "../config/capture-formats.ts";
import type { FrameFormat } from "./types.ts";

/** A camera's configured capture mode (cameras.<id> in the config). */
export interface ModePreference {
  /** A V4L2 FourCC the camera offers, e.g. "MJPG" or "NV12". */
  format?: string;
  resolution?: string;
  fps?: number;
}

export interface CaptureMode {
  format: FrameFormat;
  /** ffmpeg's v4l2 -input_format for it. */
  inputFormat: string;
  fps: number;
}

/** Below this a larger frame is not worth its frame rate for live viewing. */
const MIN_FPS = 15;

/**
 * The mode a camera is captured in: the configured format, size and rate where the camera
 * offers them, else the best default: the preferred format's largest frame that still
 * offers 15 fps, at its highest rate. The same answer names the mode in the API and builds
 * the publish command, so what clients are told is what is captured.
 */
export function captureMode(
  formats: FrameFormat[],
  preference: ModePreference = {},
): CaptureMode | undefined {
  const order = [
    ...CAPTURE_FORMATS.filter(([fourcc]) => fourcc === preference.format),
    ...CAPTURE_FORMATS.filter(([fourcc]) => fourcc !== preference.format),
  ];
  for (const [fourcc, inputFormat] of order) {
    const candidates = formats.filter((format) => format.pixelFormat === fourcc);
    if (candidates.length === 0) continue;
    const sized = candidates.filter(
      (format) => `${format.width}x${format.height}` === preference.resolution,
    );
    const fastEnough = candidates.filter((format) => (format.fps[0] ?? 0) >= MIN_FPS);
    const pool = sized.length > 0 ? sized : fastEnough.length > 0 ? fastEnough : candidates;
    const format = pool.reduce((best, next) =>
      next.width * next.height > best.width * best.height ||
      (next.width * next.height === best.width * best.height &&
        (next.fps[0] ?? 0) > (best.fps[0] ?? 0))
        ? next
        : best,
    );
    const wanted = preference.fps;
    const fps =
      wanted === undefined
        ? (format.fps[0] ?? 30)
        : (format.fps.find((rate) => Math.round(rate) === wanted) ??
          format.fps.find((rate) => rate <= wanted) ??
          format.fps[0] ??
          30);
    return { format, inputFormat, fps };
  }
  return undefined;
}
