// The keyframes of an H.264 stream that ffmpeg writes as FLV (`-c:v copy -f flv`). FLV frames
// each frame in a tag with its size, so a keyframe is known complete the moment its last byte
// arrives (a raw H.264 stream only ends a frame when the next one starts, a keyframe interval
// later). Each keyframe is handed out as Annex B: the sequence header's SPS and PPS, then the
// frame's NAL units, which ffmpeg's raw h264 demuxer decodes on its own.

const START_CODE = Uint8Array.of(0, 0, 0, 1);
const TAG_HEADER = 11;
const PREVIOUS_TAG_SIZE = 4;
const VIDEO_TAG = 9;
const CODEC_AVC = 7;
const FRAME_KEY = 1;
const AVC_SEQUENCE_HEADER = 0;
const AVC_NALU = 1;
/** FLV's DataSize is 24 bits: no tag is larger, so neither is what waits here for its end. */
const MAX_PENDING = TAG_HEADER + 0xffffff + PREVIOUS_TAG_SIZE;

export class FlvFormatError extends Error {}

export class FlvKeyframes {
  private pending: Uint8Array = new Uint8Array(0);
  private headerRead = false;
  private parameterSets: Uint8Array | undefined;
  private lengthSize = 4;
  /** Video tags of another codec than H.264 seen (the caller gives up on the stream). */
  otherCodec = false;

  constructor(private readonly onKeyframe: (annexB: Uint8Array) => void) {}

  push(chunk: Uint8Array): void {
    const joined = this.pending.length === 0 ? chunk : concat([this.pending, chunk]);
    let offset = 0;
    if (!this.headerRead) {
      if (joined.length < 9) {
        this.pending = joined;
        return;
      }
      if (joined[0] !== 0x46 || joined[1] !== 0x4c || joined[2] !== 0x56) {
        throw new FlvFormatError("not an FLV stream");
      }
      offset = readUint(joined, 5, 4) + PREVIOUS_TAG_SIZE;
      if (offset > 64) throw new FlvFormatError("an FLV header of an unknown size");
      if (joined.length < offset) {
        this.pending = joined;
        return;
      }
      this.headerRead = true;
    }
    while (offset + TAG_HEADER <= joined.length) {
      const size = readUint(joined, offset + 1, 3);
      const end = offset + TAG_HEADER + size + PREVIOUS_TAG_SIZE;
      if (end > joined.length) break;
      if (joined[offset] === VIDEO_TAG) {
        this.videoTag(joined.subarray(offset + TAG_HEADER, offset + TAG_HEADER + size));
      }
      offset = end;
    }
    this.pending = joined.slice(Math.min(offset, joined.length));
    if (this.pending.length > MAX_PENDING)
      throw new FlvFormatError("an FLV tag runs past its size");
  }

  private videoTag(data: Uint8Array): void {
    if (data.length < 5) return;
    const frameType = (data[0] ?? 0) >> 4;
    if (((data[0] ?? 0) & 0x0f) !== CODEC_AVC) {
      this.otherCodec = true;
      return;
    }
    const body = data.subarray(5);
    if (data[1] === AVC_SEQUENCE_HEADER) {
      this.sequenceHeader(body);
    } else if (data[1] === AVC_NALU && frameType === FRAME_KEY && this.parameterSets) {
      const units = [this.parameterSets];
      for (let at = 0; at + this.lengthSize <= body.length; ) {
        const length = readUint(body, at, this.lengthSize);
        at += this.lengthSize;
        if (length === 0 || at + length > body.length) break;
        units.push(START_CODE, body.subarray(at, at + length));
        at += length;
      }
      if (units.length > 1) this.onKeyframe(concat(units));
    }
  }

  /** The AVCDecoderConfigurationRecord: NAL length size, then the SPS and PPS lists. */
  private sequenceHeader(record: Uint8Array): void {
    if (record.length < 7) return;
    this.lengthSize = ((record[4] ?? 0) & 0x03) + 1;
    const units: Uint8Array[] = [];
    let at = 5;
    for (const countMask of [0x1f, 0xff]) {
      const count = (record[at] ?? 0) & countMask;
      at += 1;
      for (let i = 0; i < count && at + 2 <= record.length; i++) {
        const length = readUint(record, at, 2);
        at += 2;
        if (at + length > record.length) return;
        units.push(START_CODE, record.subarray(at, at + length));
        at += length;
      }
    }
    if (units.length > 0) this.parameterSets = concat(units);
  }
}

function readUint(bytes: Uint8Array, at: number, length: number): number {
  let value = 0;
  for (let i = 0; i < length; i++) value = value * 256 + (bytes[at + i] ?? 0);
  return value;
}

function concat(parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}
