import type { VideoMode } from "./source.ts";
import { type Camera, type FrameFormat, formatsOf } from "./types.ts";

/** The contract's Camera object (§6.3), as results and camera_status_update carry it. */
export interface CameraView {
  device: string;
  status: Camera["status"];
  name: string;
  resolution: string;
  fps: number;
  /** {rtsp, hls} when the camera is published through MediaMTX; {} otherwise (contract §5). */
  streams: Record<string, string>;
}

/** `captured`: the mode its source captures it in (CameraSources.captureMode), if any. */
export function cameraView(
  camera: Camera,
  streams: { rtsp: string; hls: string } | undefined,
  captured: VideoMode | undefined,
): CameraView {
  const mode = captured ?? largestMode(formatsOf(camera));
  return {
    device: camera.id,
    status: camera.status,
    name: camera.name,
    resolution: resolutionOf(mode),
    fps: mode ? Math.round(mode.fps) : 0,
    streams: streams ? { rtsp: streams.rtsp, hls: streams.hls } : {},
  };
}

/** "WxH" of a mode, "0x0" for none: how results and events name a resolution. */
export function resolutionOf(mode: VideoMode | undefined): string {
  return mode ? `${mode.width}x${mode.height}` : "0x0";
}

/** For a camera in no format the agent captures: its largest frame at its highest rate. */
function largestMode(formats: FrameFormat[]): VideoMode | undefined {
  let best: FrameFormat | undefined;
  for (const format of formats) {
    const area = format.width * format.height;
    const bestArea = best ? best.width * best.height : -1;
    if (area > bestArea || (area === bestArea && (format.fps[0] ?? 0) > (best?.fps[0] ?? 0)))
      best = format;
  }
  return best && { width: best.width, height: best.height, fps: best.fps[0] ?? 0 };
}

/** Distinct values for get_camera_capabilities and get_camera_status. */
export function capabilitySummary(capabilities: { formats: FrameFormat[] } | undefined): {
  formats: string[];
  resolutions: string[];
  fps_options: number[];
} {
  const formats = capabilities?.formats ?? [];
  const area = (size: string) =>
    size
      .split("x")
      .map(Number)
      .reduce((a, b) => a * b, 1);
  return {
    formats: [...new Set(formats.map((format) => format.pixelFormat))],
    resolutions: [...new Set(formats.map((format) => `${format.width}x${format.height}`))].sort(
      (a, b) => area(b) - area(a),
    ),
    fps_options: [...new Set(formats.flatMap((format) => format.fps.map(Math.round)))]
      .filter((fps) => fps > 0)
      .sort((a, b) => b - a),
  };
}
