import { captureMode, type ModePreference } from "../cameras/capture-mode.ts";
import type { Camera } from "../cameras/types.ts";

export type Encoder = "libx264" | "h264_v4l2m2m";

export interface PublishOptions {
  ffmpeg: string;
  preferences?: Record<string, ModePreference>;
  encoder: Encoder;
  /** The agent's MediaMTX login: publishing is refused to anyone else. */
  user: string;
  password: string;
}

/**
 * The ffmpeg command that publishes a USB camera to its MediaMTX path, as an argument list:
 * H.264 from the camera is passed through; MJPEG and raw formats are encoded to H.264. The device is
 * opened by its stable path; MediaMTX fills in $RTSP_PORT and $MTX_PATH.
 */
export function publishArguments(camera: Camera, options: PublishOptions): string[] | undefined {
  const device = camera.stablePath;
  const choice = captureMode(camera.capabilities?.formats ?? [], options.preferences?.[camera.id]);
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
