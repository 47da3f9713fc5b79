// take_snapshot with real media: GStreamer's RTSP server stands in for MediaMTX's RTSP output,
// real ffmpeg grabs the frame, ffprobe checks the JPEG.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../support/eventually.ts";
import { FakeV4l } from "../support/fake-v4l.ts";
import { probeImage } from "../support/image-probe.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { startRtspTestServer } from "../support/rtsp-test-server.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

let rtsp: { url: string; stop(): void };
let agent: TestAgent;
let operator: RpcClient;
let v4l: FakeV4l;
const dir = mkdtempSync(join(tmpdir(), "camera-agent-snap-"));

beforeAll(async () => {
  rtsp = await startRtspTestServer(["camera0"]);
  v4l = new FakeV4l(dir);
  v4l.plug({
    node: "video0",
    port: "1-1",
    serial: "SNAP",
    probe: { fixture: "uvc-mjpeg-yuyv.txt" },
  });
  v4l.plug({
    node: "video2",
    port: "1-2",
    serial: "NOSTREAM",
    probe: { fixture: "uvc-mjpeg-yuyv.txt" },
  });
  agent = await startTestAgent({
    mediamtx: { rtsp_url: rtsp.url },
    snapshots: { timeout: "10s" },
    discovery: { usb: v4l.config({ mode: "poll", poll_interval: "1h" }) },
  });
  operator = await RpcClient.connect(agent.wsUrl);
  await operator.authenticate(agent.token("operator"));
  await eventually(
    () => agent.agent.mediamtx.probe.available && agent.agent.services.cameras.list().length === 2,
  );
});
afterAll(async () => {
  await operator.close();
  await agent.stop();
  rtsp.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("take_snapshot", () => {
  test("a real JPEG from the camera's stream, listed, downloadable, announced", async () => {
    await operator.result("subscribe_events", { topics: ["snapshot.taken"] });
    const result = (await operator.result("take_snapshot", { device: "camera0" })) as Record<
      string,
      unknown
    >;
    expect(result).toEqual({
      device: "camera0",
      filename: expect.stringMatching(/^camera0_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d\.jpg$/),
      status: "SUCCESS",
      timestamp: expect.stringMatching(/Z$/),
      file_size: expect.any(Number),
      file_path: `snapshots/${result.filename}`,
      download_url: expect.stringContaining(`/files/snapshots/${result.filename}?token=`),
    });
    expect(result.file_size as number).toBeGreaterThan(1000);
    expect(probeImage(join(agent.config.storage.root, "snapshots", String(result.filename)))).toBe(
      "mjpeg,320,240",
    );
    const listed = (await operator.result("list_snapshots")) as {
      files: Array<{ filename: string }>;
    };
    expect(listed.files.map((file) => file.filename)).toContain(String(result.filename));
    const download = await fetch(String(result.download_url));
    expect(download.status).toBe(200);
    expect((await download.arrayBuffer()).byteLength).toBe(result.file_size as number);
    const event = await eventually(() =>
      (operator.drainInbox() as Array<{ method?: string; params?: Record<string, unknown> }>).find(
        (message) => message.method === "snapshot.taken",
      ),
    );
    expect(event?.params).toEqual(
      expect.objectContaining({
        device: "camera0",
        filename: result.filename,
        resolution: "1920x1080",
      }),
    );
  });

  test("a custom name gets .jpg; taken twice, the second does not overwrite the first", async () => {
    const first = (await operator.result("take_snapshot", {
      device: "camera0",
      filename: "gate-check",
    })) as { filename: string };
    expect(first.filename).toBe("gate-check.jpg");
    const second = (await operator.result("take_snapshot", {
      device: "camera0",
      filename: "gate-check.jpg",
    })) as { filename: string };
    expect(second.filename).toMatch(/^gate-check-\d{1,3}\.jpg$/);
  });

  test("after a snapshot a reader stays on the stream; the next snapshots decode its latest keyframe", async () => {
    const metric = async (line: string) => {
      const text = await (await fetch(`${agent.httpUrl}/metrics`)).text();
      return Number(new RegExp(`^${line} (\\d+)$`, "m").exec(text)?.[1] ?? 0);
    };
    await operator.result("take_snapshot", { device: "camera0" });
    expect(await metric("camera_agent_snapshot_readers")).toBe(1);
    const kept = await metric('camera_agent_snapshots_total\\{source="kept"\\}');
    // Once the reader holds a keyframe (one a second here), a snapshot is that keyframe.
    const result = await eventually(async () => {
      const taken = (await operator.result("take_snapshot", { device: "camera0" })) as {
        filename: string;
      };
      return (await metric('camera_agent_snapshots_total\\{source="kept"\\}')) > kept && taken;
    }, 20_000);
    expect(probeImage(join(agent.config.storage.root, "snapshots", result.filename))).toBe(
      "mjpeg,320,240",
    );
    // Still one reader: each snapshot renews it rather than starting another.
    expect(await metric("camera_agent_snapshot_readers")).toBe(1);
  });

  test("bad names are -32602; a camera with no stream is -32050 naming ffmpeg, within the timeout; roles hold", async () => {
    for (const filename of ["../../etc/cron.d/x", "a/b", "<script>", "x".repeat(300)]) {
      expect(
        (await operator.call("take_snapshot", { device: "camera0", filename })).error?.code,
      ).toBe(-32602);
    }
    const failed = await operator.call("take_snapshot", { device: "camera1" });
    expect(failed.error).toEqual(
      expect.objectContaining({
        code: -32050,
        data: expect.objectContaining({ dependency: "ffmpeg" }),
      }),
    );
    expect(JSON.stringify(failed.error)).not.toContain(rtsp.url);
    const viewer = await RpcClient.connect(agent.wsUrl);
    await viewer.authenticate(agent.token("viewer"));
    expect((await viewer.call("take_snapshot", { device: "camera0" })).error?.code).toBe(-32002);
    await viewer.close();
  });
});
