import { mkdir, rename, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { execa } from "execa";

export interface SnapshotOptions {
  ffmpeg: string;
  /** rtsp://… of the camera's path; may carry the agent's credentials. */
  source: string;
  target: string;
  timeoutMs: number;
  /** 1 (smallest) … 100 (best). */
  quality: number;
}

export class SnapshotError extends Error {}

/**
 * One frame from the camera's RTSP path, as JPEG, written to a temp file and renamed into
 * place. ffmpeg's connection waits while MediaMTX starts an on-demand publisher; the timeout
 * bounds it. Error texts never include the source URL (it may carry credentials).
 */
export async function takeSnapshot(options: SnapshotOptions): Promise<{ size: number }> {
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
      "-rtsp_transport",
      "tcp",
      // No frame-rate probe: by default ffmpeg reads about 2 s of stream to estimate a rate a
      // single JPEG never uses (bench/media: a snapshot took 2.05 s with it, 0.78 s without).
      // Codec parameters are still probed, for cameras whose SDP does not carry them.
      "-fpsprobesize",
      "0",
      "-i",
      options.source,
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
    { reject: false, timeout: options.timeoutMs, killSignal: "SIGKILL", stdin: "ignore" },
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
      throw new SnapshotError(reason.replaceAll(options.source, "<camera stream>"));
    }
    const { size } = await stat(temp);
    if (size === 0) throw new SnapshotError("ffmpeg wrote an empty image");
    await rename(temp, options.target);
    return { size };
  } finally {
    await rm(temp, { force: true });
  }
}
