import { maskUrlCredentials } from "../../util/url-credentials.ts";
import { type CaptureMode, captureMode, type ModePreference } from "../capture-mode.ts";
import type { Publication, SourceAdapter, VideoMode } from "../source.ts";
import type { Camera, UsbSource } from "../types.ts";
import { type Encoder, resolveEncoder } from "./encoder.ts";

export interface PublishOptions {
  ffmpeg: string;
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
export function publishArguments(
  source: UsbSource,
  preference: ModePreference | undefined,
  options: PublishOptions,
): string[] | undefined {
  const device = source.stablePath;
  const choice = captureMode(source.capabilities?.formats ?? [], preference);
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

export interface UsbPublisherOptions extends Omit<PublishOptions, "encoder"> {
  /** `auto`: asked of ffmpeg (encoder.ts) when publications are first needed. */
  encoder: "auto" | Encoder;
}

/** USB cameras: captured by ffmpeg from the device, in the mode captureMode chooses. */
export class UsbPublisher implements SourceAdapter {
  /** What `auto` stands for until ready(); only the publishable check asks that early. */
  private encoder: Encoder;
  private resolving: Promise<void> | undefined;

  constructor(private readonly options: UsbPublisherOptions) {
    this.encoder = options.encoder === "auto" ? "libx264" : options.encoder;
  }

  /**
   * Settles `auto` once, by asking ffmpeg on arm64 (`ffmpeg -encoders`: 0.11 s on an x86-64
   * box, slower on a Pi): when the first publication is needed, not before the agent serves
   * its first client (issue 18).
   */
  ready(): Promise<void> {
    this.resolving ??= resolveEncoder(this.options.encoder, this.options.ffmpeg).then((encoder) => {
      this.encoder = encoder;
    });
    return this.resolving;
  }

  captureMode(camera: Camera, preference: ModePreference | undefined): VideoMode | undefined {
    const mode: CaptureMode | undefined = captureMode(
      camera.source.capabilities?.formats ?? [],
      preference,
    );
    return mode && { width: mode.format.width, height: mode.format.height, fps: mode.fps };
  }

  publication(camera: Camera, preference: ModePreference | undefined): Publication | undefined {
    if (camera.source.kind !== "usb") return undefined;
    const argv = publishArguments(camera.source, preference, {
      ...this.options,
      encoder: this.encoder,
    });
    if (!argv) return undefined;
    const device = camera.source.stablePath;
    // Contract D11: no credentials and no device path in what clients see.
    const shown = argv.map((argument) =>
      argument === device ? camera.id : maskUrlCredentials(argument),
    );
    return { kind: "command", argv, shown };
  }
}
