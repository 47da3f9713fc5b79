import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";

interface JpegOptions {
  ffmpeg: string;
  target: string;
  timeoutMs: number;
  /** 1 (smallest) … 100 (best). */
  quality: number;
}

export interface SnapshotOptions extends JpegOptions {
  /** rtsp://… of the camera's path; may carry the agent's credentials. */
  source: string;
}

export class SnapshotError extends Error {}

/**
 * One frame from the camera's RTSP path, as JPEG, written to a temp file and renamed into
 * place. ffmpeg's connection waits while MediaMTX starts an on-demand publisher; the timeout
 * bounds it. Error texts never include the source URL (it may carry credentials).
 */
export function takeSnapshot(options: SnapshotOptions): Promise<{ size: number }> {
  return writeJpeg(options, [
    "-rtsp_transport",
    "tcp",
    // No frame-rate probe: by default ffmpeg reads about 2 s of stream to estimate a rate a
    // single JPEG never uses (bench/media: a snapshot took 2.05 s with it, 0.78 s without).
    // Codec parameters are still probed, for cameras whose SDP does not carry them.
    "-fpsprobesize",
    "0",
    "-i",
    options.source,
  ]);
}

/** One kept H.264 keyframe (Annex B, with its SPS and PPS) decoded to JPEG, like takeSnapshot. */
export function decodeKeyframe(
  options: JpegOptions & { keyframe: Uint8Array },
): Promise<{ size: number }> {
  return writeJpeg(options, ["-f", "h264", "-i", "pipe:0"], options.keyframe);
}

async function writeJpeg(
  options: JpegOptions & { source?: string },
  input: string[],
  stdin?: Uint8Array,
): Promise<{ size: number }> {
  await mkdir(dirname(options.target), { recursive: true });
  const temp = join(dirname(options.target), `.${Date.now()}-${process.pid}.jpg.tmp`);
  // ffmpeg's JPEG scale is 2 (best) … 31 (worst).
  const q = String(Math.round(31 - ((Math.min(100, Math.max(1, options.quality)) - 1) / 99) * 29));
  const result = await execa(
    options.ffmpeg,
    [
      "-hide_banner",
      "-loglevel",
      "error",
      ...input,
      "-frames:v",
      "1",
      "-q:v",
      q,
      "-f",
      "image2",
      "-c:v",
      "mjpeg",
      "-y",
      temp,
    ],
    {
      reject: false,
      timeout: options.timeoutMs,
      killSignal: "SIGKILL",
      ...(stdin ? { input: stdin } : { stdin: "ignore" as const }),
    },
  );
  try {
    if ((result as { code?: string }).code === "ENOENT")
      throw new SnapshotError(`${options.ffmpeg} not found (install ffmpeg)`);
    if (result.timedOut) throw new SnapshotError(`no frame within ${options.timeoutMs} ms`);
    if (result.exitCode !== 0) {
      const reason =
        String(result.stderr ?? "")
          .split("\n")
          .find((line) => line.trim()) ?? `exit ${result.exitCode}`;
      throw new SnapshotError(
        options.source ? reason.replaceAll(options.source, "<camera stream>") : reason,
      );
    }
    const { size } = await stat(temp);
    if (size === 0) throw new SnapshotError("ffmpeg wrote an empty image");
    await rename(temp, options.target);
    return { size };
  } finally {
    await rm(temp, { force: true });
  }
}
