import type { FrameFormat } from "../types.ts";

/**
 * The video a stream description (SDP, RFC 8866) offers: codec, and the frame size and rate
 * where the SDP tells them (H.264's SPS in sprop-parameter-sets, or the framesize,
 * x-dimensions and framerate attributes many cameras add). Undefined when it has no video.
 */
export function sdpVideo(sdp: string): FrameFormat | undefined {
  const lines = sdp.split(/\r?\n/);
  const start = lines.findIndex((line) => line.startsWith("m=video "));
  if (start < 0) return undefined;
  const end = lines.findIndex((line, index) => index > start && line.startsWith("m="));
  const media = lines.slice(start, end < 0 ? undefined : end);
  const payload = media[0]?.split(" ")[3] ?? "";
  const attribute = (name: string) =>
    media
      .find((line) => line.startsWith(`a=${name}:`))
      ?.slice(name.length + 3)
      .trim();
  const rtpmap = attribute("rtpmap");
  const codec = rtpmap?.startsWith(`${payload} `)
    ? (rtpmap.slice(payload.length + 1).split("/")[0] ?? "").toUpperCase()
    : payload === "26"
      ? "JPEG"
      : "unknown";
  let size: { width: number; height: number } | undefined;
  const fmtp = attribute("fmtp");
  const sprop = /sprop-parameter-sets=([A-Za-z0-9+/=]+)/.exec(fmtp ?? "")?.[1];
  if (codec === "H264" && sprop) size = h264Size(Buffer.from(sprop, "base64"));
  const framesize = /^\d+ (\d+)-(\d+)$/.exec(attribute("framesize") ?? "");
  const dimensions = /^(\d+),(\d+)$/.exec(attribute("x-dimensions") ?? "");
  const given = framesize ?? dimensions;
  if (!size && given) size = { width: Number(given[1]), height: Number(given[2]) };
  const fps = Number.parseFloat(attribute("framerate") ?? "");
  return {
    pixelFormat: codec,
    width: size?.width ?? 0,
    height: size?.height ?? 0,
    fps: Number.isFinite(fps) && fps > 0 ? [fps] : [],
  };
}

/** Frame size from an H.264 sequence parameter set (ITU-T H.264 §7.3.2.1.1); undefined if odd. */
export function h264Size(nal: Buffer): { width: number; height: number } | undefined {
  // Emulation prevention bytes (00 00 03) are not part of the syntax.
  const bytes: number[] = [];
  for (let i = 0; i < nal.length; i++) {
    const byte = nal[i] as number;
    if (byte === 3 && i >= 2 && nal[i - 1] === 0 && nal[i - 2] === 0) continue;
    bytes.push(byte);
  }
  if (((bytes[0] ?? 0) & 0x1f) !== 7) return undefined;
  let bit = 8;
  const read = (count: number): number => {
    let value = 0;
    for (let n = 0; n < count; n++, bit++) {
      if (bit >= bytes.length * 8) throw new RangeError("SPS ends early");
      value = value * 2 + (((bytes[bit >> 3] as number) >> (7 - (bit & 7))) & 1);
    }
    return value;
  };
  const unsigned = (): number => {
    let zeros = 0;
    while (read(1) === 0) if (++zeros > 31) throw new RangeError("bad Exp-Golomb code");
    return 2 ** zeros - 1 + read(zeros);
  };
  const signed = (): number => {
    const code = unsigned();
    return code % 2 === 1 ? (code + 1) / 2 : -code / 2;
  };
  try {
    const profile = read(8);
    read(16); // constraint flags, level
    unsigned(); // seq_parameter_set_id
    let chroma = 1;
    if ([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135].includes(profile)) {
      chroma = unsigned();
      if (chroma === 3) read(1);
      unsigned(); // bit depth luma
      unsigned(); // bit depth chroma
      read(1);
      if (read(1) === 1) {
        for (let list = 0; list < (chroma === 3 ? 12 : 8); list++) {
          if (read(1) === 0) continue;
          let last = 8;
          let next = 8;
          for (let j = 0; j < (list < 6 ? 16 : 64) && next !== 0; j++) {
            next = (last + signed() + 256) % 256;
            last = next === 0 ? last : next;
          }
        }
      }
    }
    unsigned(); // log2_max_frame_num
    const pocType = unsigned();
    if (pocType === 0) unsigned();
    else if (pocType === 1) {
      read(1);
      signed();
      signed();
      const cycle = unsigned();
      for (let i = 0; i < cycle; i++) signed();
    }
    unsigned(); // max_num_ref_frames
    read(1);
    const widthMbs = unsigned() + 1;
    const heightUnits = unsigned() + 1;
    const frameMbsOnly = read(1);
    if (frameMbsOnly === 0) read(1);
    read(1); // direct_8x8_inference
    let crop = [0, 0, 0, 0];
    if (read(1) === 1) crop = [unsigned(), unsigned(), unsigned(), unsigned()];
    const cropX = chroma === 0 || chroma === 3 ? 1 : 2;
    const cropY = (chroma === 1 ? 2 : 1) * (2 - frameMbsOnly);
    const [left = 0, right = 0, top = 0, bottom = 0] = crop;
    const width = widthMbs * 16 - (left + right) * cropX;
    const height = (2 - frameMbsOnly) * heightUnits * 16 - (top + bottom) * cropY;
    return width > 0 && height > 0 ? { width, height } : undefined;
  } catch {
    return undefined;
  }
}
