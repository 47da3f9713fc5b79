import type { Camera, FrameFormat } from "../cameras/types.ts";

export type Encoder = "libx264" | "h264_v4l2m2m";

export interface PublishOptions {
  ffmpeg: string;
  encoder: Encoder;
  /** The agent's MediaMTX login: publishing is refused to anyone else. */
  user: string;
  password: string;
}

/** FourCC (v4l2-ctl) → ffmpeg's v4l2 input_format, in order of preference. */
const INPUTS: Array<[fourcc: string, inputFormat: string]> = [
  ["H264", "h264"],
  ["MJPG", "mjpeg"],
  ["YUYV", "yuyv422"],
];
/** Below this a larger frame is not worth its frame rate for live viewing. */
const MIN_FPS = 15;

/**
 * The ffmpeg command that publishes a USB camera to its MediaMTX path, as an argument list:
 * H.264 from the camera is passed through; MJPEG or YUYV is encoded to H.264. The device is
 * opened by its stable path; MediaMTX fills in $RTSP_PORT and $MTX_PATH.
 */
export function publishArguments(camera: Camera, options: PublishOptions): string[] | undefined {
  const device = camera.stablePath;
  const choice = chooseInput(camera.capabilities?.formats ?? []);
  if (!device || !choice) return undefined;
  const { format, inputFormat } = choice;
  const fps = Math.round(format.fps[0] ?? 30);
  const encode =
    inputFormat === "h264"
      ? ["-c:v", "copy"]
      : options.encoder === "h264_v4l2m2m"
        ? ["-c:v", "h264_v4l2m2m", "-pix_fmt", "yuv420p", "-b:v", "4M", "-g", String(fps * 2)]
        : [
            "-c:v",
            "libx264",
            "-preset",
            "ultrafast",
            "-tune",
            "zerolatency",
            "-pix_fmt",
            "yuv420p",
            "-g",
            String(fps * 2),
          ];
  return [
    options.ffmpeg,
    "-hide_banner",
    "-loglevel",
    "error",
    "-f",
    "v4l2",
    "-input_format",
    inputFormat,
    "-video_size",
    `${format.width}x${format.height}`,
    "-framerate",
    String(fps),
    "-i",
    device,
    ...encode,
    "-an",
    "-f",
    "rtsp",
    "-rtsp_transport",
    "tcp",
    `rtsp://${userinfo(options)}127.0.0.1:$RTSP_PORT/$MTX_PATH`,
  ];
}

function userinfo({ user, password }: PublishOptions): string {
  return user === "" ? "" : `${encodeURIComponent(user)}:${encodeURIComponent(password)}@`;
}

/** The best capture mode: the preferred input format that offers the largest frame at ≥ 15 fps. */
export function chooseInput(
  formats: FrameFormat[],
): { format: FrameFormat; inputFormat: string } | undefined {
  for (const [fourcc, inputFormat] of INPUTS) {
    const candidates = formats.filter((format) => format.pixelFormat === fourcc);
    if (candidates.length === 0) continue;
    const fastEnough = candidates.filter((format) => (format.fps[0] ?? 0) >= MIN_FPS);
    const pool = fastEnough.length > 0 ? fastEnough : candidates;
    const format = pool.reduce((best, next) =>
      next.width * next.height > best.width * best.height ||
      (next.width * next.height === best.width * best.height &&
        (next.fps[0] ?? 0) > (best.fps[0] ?? 0))
        ? next
        : best,
    );
    return { format, inputFormat };
  }
  return undefined;
}

/**
 * One command line for MediaMTX's runOnDemand/runOnInit. Each argument is single-quoted when
 * it needs to be, so the line means the same split by MediaMTX or by a POSIX shell. The two
 * $VARIABLES MediaMTX substitutes stay outside quotes.
 */
export function commandLine(argv: string[]): string {
  return argv
    .map((argument) => {
      if (!argument.includes("$RTSP_PORT/$MTX_PATH")) return word(argument);
      const [before = "", after = ""] = argument.split("$RTSP_PORT/$MTX_PATH");
      return `${before ? word(before) : ""}$RTSP_PORT/$MTX_PATH${after ? word(after) : ""}`;
    })
    .join(" ");
}

/** Unquoted when it has no character a shell would treat specially. */
function word(text: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(text) ? text : quote(text);
}

function quote(text: string): string {
  return `'${text.replace(/'/g, `'"'"'`)}'`;
}
