// Cameras → MediaMTX paths, through the real agent against the spec-enforcing simulator.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../support/eventually.ts";
import { FakeV4l } from "../support/fake-v4l.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

const C920 = { fixture: "uvc-mjpeg-yuyv.txt" };
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setup(
  streams: Record<string, unknown> = {},
): Promise<{ v4l: FakeV4l; agent: TestAgent }> {
  const dir = mkdtempSync(join(tmpdir(), "camera-agent-mtx-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const v4l = new FakeV4l(dir);
  const agent = await startTestAgent({
    discovery: { usb: v4l.config({ mode: "hybrid", poll_interval: "1h" }) },
    mediamtx: { api_user: "agent1", api_password: "secret-pass-1234" },
    streams: { ffmpeg: "/usr/bin/ffmpeg", encoder: "libx264", ...streams },
  });
  cleanups.push(() => agent.stop());
  return { v4l, agent };
}

const conf = (agent: TestAgent, name: string) => agent.mediamtx.pathConfigs().get(name);

describe("MediaMTX paths follow the cameras", () => {
  test("a connected camera gets its path (publisher + on-demand ffmpeg by stable path); a foreign path is left alone", async () => {
    const { v4l, agent } = await setup();
    const foreign = await fetch(`${agent.mediamtx.url}/v3/config/paths/add/other`, {
      method: "POST",
      body: JSON.stringify({ source: "publisher" }),
    });
    expect(foreign.status).toBe(200);
    v4l.plug({ node: "video0", port: "1-1", serial: "MTX1", probe: C920 });
    v4l.event("add", "video0");
    const path = await eventually(() => conf(agent, "camera0"));
    expect(path).toEqual(
      expect.objectContaining({
        name: "camera0",
        source: "publisher",
        runOnDemandRestart: true,
        runOnInit: "",
        // Recordings land under storage.root, wherever the operator put it.
        recordPath: join(agent.config.storage.root, "recordings", "%path_%Y-%m-%d_%H-%M-%S-%f"),
      }),
    );
    const command = String(path.runOnDemand);
    expect(command).toStartWith(
      "/usr/bin/ffmpeg -hide_banner -loglevel error -f v4l2 -input_format mjpeg",
    );
    expect(command).toContain(join(v4l.dev, "v4l/by-id/usb-046d_Test_Camera_MTX1-video-index0"));
    // Publishes with the agent's own MediaMTX login: nobody else may publish.
    expect(command).toEndWith(
      "-f rtsp -rtsp_transport tcp rtsp://agent1:secret-pass-1234@127.0.0.1:$RTSP_PORT/$MTX_PATH",
    );

    v4l.unplug("video0");
    v4l.event("remove", "video0");
    await eventually(() => conf(agent, "camera0") === undefined);
    expect(conf(agent, "other")).toBeDefined();
    const metrics = await (await fetch(`${agent.httpUrl}/metrics`)).text();
    expect(metrics).toContain("camera_agent_mediamtx_up 1");
    // The unplugged camera is still known, now disconnected; every status has its series.
    expect(metrics).toContain('camera_agent_cameras{status="DISCONNECTED"} 1');
    expect(metrics).toContain('camera_agent_cameras{status="CONNECTED"} 0');
  });

  test("applying twice changes nothing the second time", async () => {
    const { v4l, agent } = await setup();
    v4l.plug({ node: "video0", port: "1-1", serial: "MTX2", probe: C920 });
    v4l.event("add", "video0");
    await eventually(() => conf(agent, "camera0"));
    const before = agent.mediamtx.calls.filter(
      (call) => call !== "info" && call !== "configPathsList",
    ).length;
    await agent.agent.mediamtx.loop.request();
    const after = agent.mediamtx.calls.filter(
      (call) => call !== "info" && call !== "configPathsList",
    ).length;
    expect(after).toBe(before);
  });

  test("streams.mode on_init runs the publisher all the time", async () => {
    const { v4l, agent } = await setup({ mode: "on_init" });
    v4l.plug({ node: "video0", port: "1-1", serial: "MTX3", probe: C920 });
    v4l.event("add", "video0");
    const path = await eventually(() => conf(agent, "camera0"));
    expect(path.runOnDemand).toBe("");
    expect(String(path.runOnInit)).toContain("-f v4l2");
    expect(path.runOnInitRestart).toBe(true);
  });

  test("a MediaMTX restart (empty state) gets every path back", async () => {
    const { v4l, agent } = await setup();
    v4l.plug({ node: "video0", port: "1-1", serial: "MTX4", probe: C920 });
    v4l.event("add", "video0");
    await eventually(() => conf(agent, "camera0"));
    agent.mediamtx.restart();
    expect(conf(agent, "camera0")).toBeUndefined();
    await eventually(() => conf(agent, "camera0"));
  });

  test("applies never overlap: two at once against an empty MediaMTX both succeed", async () => {
    const { v4l, agent } = await setup();
    v4l.plug({ node: "video0", port: "1-1", serial: "MTX6", probe: C920 });
    v4l.event("add", "video0");
    await eventually(() => conf(agent, "camera0"));
    const { loop } = agent.agent.mediamtx;
    agent.mediamtx.restart();
    const adds = () => agent.mediamtx.calls.filter((call) => call === "configPathsAdd").length;
    const before = adds();
    await Promise.all([loop.request(), loop.request(), loop.request()]);
    expect(adds() - before).toBe(1);
    expect(agent.mediamtx.refusals).toEqual([]);
    expect(conf(agent, "camera0")).toBeDefined();
  });

  test("MediaMTX down: reported in health and get_status; back: paths applied again", async () => {
    const { v4l, agent } = await setup();
    const admin = await RpcClient.connect(agent.wsUrl);
    cleanups.push(async () => void (await admin.close()));
    await admin.authenticate(agent.token("admin"));
    await eventually(() => agent.agent.mediamtx.probe.state === "up");
    agent.mediamtx.stop();
    v4l.plug({ node: "video0", port: "1-1", serial: "MTX5", probe: C920 });
    v4l.event("add", "video0");
    await eventually(async () => {
      const status = (await admin.result("get_status")) as {
        status: string;
        components: { mediamtx: string };
      };
      return status.components.mediamtx === "ERROR" && status;
    });
    const health = (await (await fetch(`${agent.httpUrl}/health/detailed`)).json()) as {
      components: Array<{ name: string; status: string; message: string }>;
    };
    const component = health.components.find((entry) => entry.name === "mediamtx");
    expect(component?.status).toBe("unhealthy");
    expect(component?.message).toBe(
      `MediaMTX unreachable: MediaMTX at ${agent.mediamtx.url} did not answer: connection refused (is it running?)`,
    );
    // Logged once, in one line of our words: no stack trace, no runtime's question.
    const warnings = agent.logs.filter((line) => line.includes("MediaMTX unreachable"));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0] ?? "{}")).not.toHaveProperty("err");
    expect(warnings[0]).toContain("connection refused");
    expect((await fetch(`${agent.httpUrl}/health/ready`)).status).toBe(200);
    agent.mediamtx.start();
    await eventually(() => conf(agent, "camera0"), 15_000);
    expect(
      ((await admin.result("get_status")) as { components: { mediamtx: string } }).components
        .mediamtx,
    ).toBe("RUNNING");
  });

  test("MediaMTX not installed: health says so, not just 'unreachable'", async () => {
    const agent = await startTestAgent({
      mediamtx: { api_url: "http://127.0.0.1:1", binary: "/nonexistent/mediamtx" },
    });
    cleanups.push(() => agent.stop());
    await eventually(() => agent.agent.mediamtx.probe.state === "down");
    const health = (await (await fetch(`${agent.httpUrl}/health/detailed`)).json()) as {
      components: Array<{ name: string; status: string; message: string }>;
    };
    const component = health.components.find((entry) => entry.name === "mediamtx");
    expect(component?.status).toBe("unhealthy");
    expect(component?.message).toStartWith("MediaMTX is not installed (no /nonexistent/mediamtx)");
  });

  test("MediaMTX not installed is checked every health_interval; installed but down, every retry_interval", async () => {
    const timing = { api_url: "http://127.0.0.1:1", health_interval: "1h", retry_interval: "50ms" };
    const missing = await startTestAgent({
      mediamtx: { ...timing, binary: "/nonexistent/mediamtx" },
    });
    cleanups.push(() => missing.stop());
    // A program that exists: MediaMTX counts as installed, and only down.
    const installed = await startTestAgent({ mediamtx: { ...timing, binary: process.execPath } });
    cleanups.push(() => installed.stop());
    await eventually(() => installed.agent.mediamtx.probe.failures >= 5);
    // By then the box without MediaMTX has had the time for as many retries, and made none.
    expect(missing.agent.mediamtx.probe.failures).toBe(1);
  });
});
