import { execa } from "execa";
import type { Encoder } from "./usb-publisher.ts";

/** `auto`: the Raspberry Pi's hardware encoder when on arm64 and ffmpeg has it, else libx264. */
export async function resolveEncoder(setting: "auto" | Encoder, ffmpeg: string): Promise<Encoder> {
  if (setting !== "auto") return setting;
  if (process.arch !== "arm64") return "libx264";
  const result = await execa(ffmpeg, ["-hide_banner", "-encoders"], {
    reject: false,
    timeout: 5000,
  });
  return /\bh264_v4l2m2m\b/.test(String(result.stdout ?? "")) ? "h264_v4l2m2m" : "libx264";
}
