/** ffprobe's "codec,width,height" of an image or video file's first stream, e.g. "mjpeg,320,240". */
export function probeImage(path: string): string {
  return Bun.spawnSync([
    "ffprobe",
    "-v",
    "error",
    "-show_entries",
    "stream=codec_name,width,height",
    "-of",
    "csv=p=0",
    path,
  ])
    .stdout.toString()
    .trim();
}
