// The kept snapshot reader with real parts: ffmpeg reading a GStreamer RTSP server, its FLV
// output parsed for keyframes, one of them decoded to a JPEG that ffprobe reads back.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "../../agent/src/log/logger.ts";
import { FrameKeeper } from "../../agent/src/media/frame-keeper.ts";
import { decodeKeyframe } from "../../agent/src/media/snapshot.ts";
import { eventually } from "../support/eventually.ts";
import { probeImage } from "../support/image-probe.ts";
import { type RtspTestServer, startRtspTestServer } from "../support/rtsp-test-server.ts";

let rtsp: RtspTestServer;
const dir = mkdtempSync(join(tmpdir(), "camera-agent-keeper-"));
const log = createLogger("silent");

/** ffmpeg processes of this test whose command line holds `marker`. */
function readers(marker: string): number {
  const found = Bun.spawnSync(["pgrep", "-P", String(process.pid), "-f", marker]);
  return found.stdout.toString().trim().split("\n").filter(Boolean).length;
}

beforeAll(async () => {
  rtsp = await startRtspTestServer(["camera0"]);
});
afterAll(() => {
  rtsp.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("FrameKeeper", () => {
  test("keeps the latest keyframe, which decodes alone to the stream's picture; ends after keep_reader", async () => {
    const keeper = new FrameKeeper(
      { ffmpeg: "ffmpeg", keepMs: 4000, maxAgeMs: 3000, maxReaders: 2 },
      log,
    );
    try {
      expect(keeper.latest("camera0")).toBeUndefined();
      keeper.keep("camera0", `${rtsp.url}/camera0`);
      keeper.keep("camera0", `${rtsp.url}/camera0`);
      expect(keeper.size).toBe(1);
      const kept = await eventually(() => keeper.latest("camera0"), 20_000);
      // SPS first, as ffmpeg's raw h264 demuxer needs it.
      expect([...kept.keyframe.subarray(0, 5)]).toEqual([0, 0, 0, 1, 0x67]);
      expect(Date.now() - kept.at).toBeLessThanOrEqual(3000);
      const target = join(dir, "kept.jpg");
      const { size } = await decodeKeyframe({
        ffmpeg: "ffmpeg",
        keyframe: kept.keyframe,
        target,
        timeoutMs: 10_000,
        quality: 85,
      });
      expect(size).toBeGreaterThan(500);
      expect(probeImage(target)).toBe("mjpeg,320,240");
      // Nobody asks again: the reader ends once keep_reader has passed.
      await eventually(() => keeper.size === 0, 20_000);
      await eventually(() => readers("filter_units") === 0, 10_000);
    } finally {
      keeper.stopAll();
    }
  });

  test("a stream that gives no keyframe is not read again before keep_reader; the reader limit holds; off at 0", async () => {
    const keeper = new FrameKeeper(
      { ffmpeg: "ffmpeg", keepMs: 60_000, maxAgeMs: 3000, maxReaders: 1 },
      log,
    );
    try {
      keeper.keep("camera9", `${rtsp.url}/no-such-path`);
      await eventually(() => keeper.size === 0, 20_000);
      keeper.keep("camera9", `${rtsp.url}/no-such-path`);
      expect(keeper.size).toBe(0);
      keeper.keep("camera0", `${rtsp.url}/camera0`);
      keeper.keep("camera1", `${rtsp.url}/camera0`);
      expect(keeper.size).toBe(1);
    } finally {
      keeper.stopAll();
    }
    const off = new FrameKeeper(
      { ffmpeg: "ffmpeg", keepMs: 0, maxAgeMs: 3000, maxReaders: 4 },
      log,
    );
    off.keep("camera0", `${rtsp.url}/camera0`);
    expect(off.size).toBe(0);
  });
});
