import { execa } from "execa";

export type Encoder = "libx264" | "h264_v4l2m2m";

/** `auto`: the Raspberry Pi's hardware encoder when on arm64 and ffmpeg has it, else libx264. */
export async function resolveEncoder(
  setting: "auto" | Encoder,
  ffmpeg: string,
  /** This machine's (tests stand in for a Pi). */
  arch: string = process.arch,
): Promise<Encoder> {
  if (setting !== "auto") return setting;
  if (arch !== "arm64") return "libx264";
  const result = await execa(ffmpeg, ["-hide_banner", "-encoders"], {
    reject: false,
    timeout: 5000,
  });
  return /\bh264_v4l2m2m\b/.test(String(result.stdout ?? "")) ? "h264_v4l2m2m" : "libx264";
}
