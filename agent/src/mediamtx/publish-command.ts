import type { Camera, FrameFormat } from "../cameras/types.ts";

export type Encoder = "libx264" | "h264_v4l2m2m";

/** A camera's configured capture mode (cameras.<id> in the config). */
export interface ModePreference {
  resolution?: string;
  fps?: number;
}

export interface PublishOptions {
  ffmpeg: string;
  preferences?: Record<string, ModePreference>;
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
  const choice = chooseInput(camera.capabilities?.formats ?? [], options.preferences?.[camera.id]);
  if (!device || !choice) return undefined;
  const { format, inputFormat } = choice;
  const fps = Math.round(choice.fps);
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

/**
 * The capture mode: the configured size (and rate) when the camera offers it, else the best
 * default: the preferred input format's largest frame that still offers 15 fps.
 */
export function chooseInput(
  formats: FrameFormat[],
  preference: ModePreference = {},
): { format: FrameFormat; inputFormat: string; fps: number } | undefined {
  for (const [fourcc, inputFormat] of INPUTS) {
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
