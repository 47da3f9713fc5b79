// FLV tags in, whole keyframes out as Annex B, whatever the chunk boundaries of the pipe.
import { describe, expect, test } from "bun:test";
import { FlvFormatError, FlvKeyframes } from "../../agent/src/media/flv-keyframes.ts";

const SPS = Uint8Array.of(0x67, 0x42, 0xc0, 0x1e, 0xaa);
const PPS = Uint8Array.of(0x68, 0xce, 0x3c, 0x80);
const IDR_A = Uint8Array.of(0x65, 0x88, 0x84, 0x00, 0x11);
const IDR_B = Uint8Array.of(0x65, 0x00, 0x22);
const P_SLICE = Uint8Array.of(0x41, 0x9a, 0x02);

function bytes(...parts: (Uint8Array | number[])[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts.map((part) => Uint8Array.from(part))));
}

function u(value: number, length: number): number[] {
  return Array.from({ length }, (_, i) => (value >> (8 * (length - 1 - i))) & 0xff);
}

function tag(type: number, data: Uint8Array, timestamp = 0): Uint8Array {
  return bytes(
    [type, ...u(data.length, 3), ...u(timestamp, 3), 0, 0, 0, 0],
    data,
    u(11 + data.length, 4),
  );
}

/** A video tag: frame type, codec, AVC packet type, composition time 0, body. */
function video(frameType: number, codec: number, packetType: number, body: Uint8Array): Uint8Array {
  return tag(9, bytes([(frameType << 4) | codec, packetType, 0, 0, 0], body));
}

const HEADER = bytes([0x46, 0x4c, 0x56, 1, 1, 0, 0, 0, 9], u(0, 4));
const AVCC = bytes(
  [1, 0x42, 0xc0, 0x1e, 0xff, 0xe1],
  u(SPS.length, 2),
  SPS,
  [1],
  u(PPS.length, 2),
  PPS,
);
const lengthPrefixed = (...units: Uint8Array[]) =>
  bytes(...units.flatMap((unit) => [u(unit.length, 4), unit]));
const START = [0, 0, 0, 1];

const STREAM = bytes(
  HEADER,
  tag(18, bytes([2, 0, 10], new TextEncoder().encode("onMetaData"))),
  video(1, 7, 0, AVCC),
  video(1, 7, 1, lengthPrefixed(IDR_A, IDR_B)),
  video(2, 7, 1, lengthPrefixed(P_SLICE)),
);
const EXPECTED = bytes(START, SPS, START, PPS, START, IDR_A, START, IDR_B);

describe("FlvKeyframes", () => {
  test("one keyframe as SPS, PPS and its slices, whole or byte by byte; inter frames ignored", () => {
    for (const chunkSize of [STREAM.length, 1, 7, 64]) {
      const seen: Uint8Array[] = [];
      const parser = new FlvKeyframes((keyframe) => seen.push(keyframe));
      for (let at = 0; at < STREAM.length; at += chunkSize) {
        parser.push(STREAM.subarray(at, at + chunkSize));
      }
      expect({ chunkSize, frames: seen.map((frame) => [...frame]) }).toEqual({
        chunkSize,
        frames: [[...EXPECTED]],
      });
      expect(parser.otherCodec).toBe(false);
    }
  });

  test("a keyframe before any sequence header is not handed out (nothing to decode it with)", () => {
    const seen: Uint8Array[] = [];
    const parser = new FlvKeyframes((keyframe) => seen.push(keyframe));
    parser.push(bytes(HEADER, video(1, 7, 1, lengthPrefixed(IDR_A))));
    expect(seen).toEqual([]);
  });

  test("another codec is flagged; a stream that is not FLV is refused", () => {
    const parser = new FlvKeyframes(() => {});
    parser.push(bytes(HEADER, video(1, 12, 1, lengthPrefixed(IDR_A))));
    expect(parser.otherCodec).toBe(true);
    expect(() => new FlvKeyframes(() => {}).push(new TextEncoder().encode("RIFF0000WAVE"))).toThrow(
      FlvFormatError,
    );
  });

  test("a NAL length past the tag's end stops at the last whole unit", () => {
    const seen: Uint8Array[] = [];
    const parser = new FlvKeyframes((keyframe) => seen.push(keyframe));
    const broken = bytes(lengthPrefixed(IDR_A), u(500, 4), IDR_B);
    parser.push(bytes(HEADER, video(1, 7, 0, AVCC), video(1, 7, 1, broken)));
    expect(seen.map((frame) => [...frame])).toEqual([
      [...bytes(START, SPS, START, PPS, START, IDR_A)],
    ]);
  });
});
