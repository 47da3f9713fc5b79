// Stream methods through the real agent, with discovery and the spec-enforcing simulator.
import { afterEach, describe, expect, test } from "bun:test";
import { agentOnCamera } from "../support/agent-on-camera.ts";
import { eventually } from "../support/eventually.ts";
import { oneCameraWorld } from "../support/fake-v4l.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  server: Record<string, unknown> = {},
): Promise<{ agent: TestAgent; rpc: RpcClient }> {
  return agentOnCamera(oneCameraWorld("S1", cleanups), cleanups, "viewer", { server });
}

describe("stream methods", () => {
  test("get_stream_url: URLs on the host the client used, readiness from MediaMTX", async () => {
    const { agent, rpc } = await setup();
    expect(await rpc.result("get_stream_url", { device: "camera0" })).toEqual({
      device: "camera0",
      stream_name: "camera0",
      stream_url: "rtsp://127.0.0.1:8554/camera0",
      hls_url: "http://127.0.0.1:8888/camera0/index.m3u8",
      webrtc_url: "http://127.0.0.1:8889/camera0/whep",
      available: false,
      active_consumers: 0,
      stream_status: "NOT_READY",
    });
    agent.mediamtx.setAvailable("camera0", true);
    expect(await rpc.result("get_stream_url", { device: "camera0" })).toEqual(
      expect.objectContaining({ available: true, stream_status: "READY" }),
    );
    expect((await rpc.call("get_stream_url", { device: "camera9" })).error?.code).toBe(-32010);
  });

  test("server.public_host replaces the client's host in every URL", async () => {
    const { rpc } = await setup({ public_host: "cam-gw-07.site.example" });
    const urls = (await rpc.result("get_stream_url", { device: "camera0" })) as {
      stream_url: string;
      hls_url: string;
    };
    expect(urls.stream_url).toBe("rtsp://cam-gw-07.site.example:8554/camera0");
    const list = (await rpc.result("get_camera_list")) as {
      cameras: Array<{ streams: { hls: string } }>;
    };
    expect(list.cameras[0]?.streams.hls).toBe(
      "http://cam-gw-07.site.example:8888/camera0/index.m3u8",
    );
  });

  test("get_streams and get_stream_status report MediaMTX's paths without host paths or credentials", async () => {
    const { agent, rpc } = await setup();
    agent.mediamtx.setAvailable("camera0", true);
    const streams = (await rpc.result("get_streams")) as Array<Record<string, unknown>>;
    expect(streams).toEqual([
      { name: "camera0", source: "rtspSession", ready: true, readers: 0, bytes_sent: 0 },
    ]);
    expect(JSON.stringify(streams)).not.toContain("/dev/");
    expect(await rpc.result("get_stream_status", { device: "camera0" })).toEqual(
      expect.objectContaining({
        device: "camera0",
        status: "ACTIVE",
        ready: true,
        mediamtx_path: { exists: true, ready: true, readers: 0 },
      }),
    );
  });

  test("MediaMTX down: -32050 naming MediaMTX, at once; the stream URL is still given", async () => {
    const { agent, rpc } = await setup();
    agent.mediamtx.stop();
    await eventually(async () => (await rpc.call("get_streams")).error?.code === -32050);
    const started = performance.now();
    const reply = await rpc.call("get_stream_status", { device: "camera0" });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(reply.error).toEqual(
      expect.objectContaining({
        code: -32050,
        message: "Dependency failed",
        data: expect.objectContaining({ dependency: "MediaMTX" }),
      }),
    );
    expect(await rpc.result("get_stream_url", { device: "camera0" })).toEqual(
      expect.objectContaining({
        stream_url: "rtsp://127.0.0.1:8554/camera0",
        stream_status: "ERROR",
      }),
    );
    agent.mediamtx.start();
    await eventually(async () => (await rpc.call("get_streams")).result !== undefined, 15_000);
  });
});

describe("start_streaming and stop_streaming", () => {
  test("start keeps the publisher running (runOnInit) with no secrets shown; stop returns it to on demand", async () => {
    const v4l = oneCameraWorld("ST1", cleanups);
    const agent = await startTestAgent({
      mediamtx: { api_user: "agent1", api_password: "secret-pass-1234" },
      discovery: { usb: v4l.config({ mode: "poll", poll_interval: "1h" }) },
    });
    cleanups.push(() => agent.stop());
    const operator = await RpcClient.connect(agent.wsUrl);
    cleanups.push(async () => void (await operator.close()));
    await operator.authenticate(agent.token("operator"));
    await eventually(() => agent.mediamtx.pathConfigs().has("camera0"));
    const conf = () => agent.mediamtx.pathConfigs().get("camera0") ?? {};
    expect(conf().runOnInit).toBe("");

    const started = (await operator.result("start_streaming", { device: "camera0" })) as Record<
      string,
      string
    >;
    expect(started).toEqual(
      expect.objectContaining({
        device: "camera0",
        stream_name: "camera0",
        stream_url: "rtsp://127.0.0.1:8554/camera0",
        status: "STARTED",
        auto_close_after: "0s",
      }),
    );
    expect(started.ffmpeg_command).toContain("-i camera0 ");
    expect(started.ffmpeg_command).toContain("rtsp://***@127.0.0.1");
    expect(started.ffmpeg_command).not.toContain("secret-pass-1234");
    expect(started.ffmpeg_command).not.toContain(v4l.dir);
    expect(String(conf().runOnInit)).toContain("-f v4l2");
    expect(conf().runOnDemand).toBe("");

    const stopped = (await operator.result("stop_streaming", { device: "camera0" })) as Record<
      string,
      unknown
    >;
    expect(stopped).toEqual(
      expect.objectContaining({
        device: "camera0",
        status: "STOPPED",
        stream_continues: false,
        duration: expect.any(Number),
      }),
    );
    expect(conf().runOnInit).toBe("");
    expect(String(conf().runOnDemand)).toContain("-f v4l2");
    expect((await operator.call("stop_streaming", { device: "camera0" })).error?.code).toBe(-32020);

    const viewer = await RpcClient.connect(agent.wsUrl);
    cleanups.push(async () => void (await viewer.close()));
    await viewer.authenticate(agent.token("viewer"));
    expect((await viewer.call("start_streaming", { device: "camera0" })).error?.code).toBe(-32002);
  });
});
