// USB discovery end to end on the host: fake sysfs//dev trees, fake v4l2-ctl and udevadm in
// real output formats, the real agent, real WebSocket clients.
import { afterEach, describe, expect, test } from "bun:test";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Camera, UsbSource } from "../../agent/src/cameras/types.ts";
import { eventually } from "../support/eventually.ts";
import { FakeV4l } from "../support/fake-v4l.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

const C920 = { fixture: "uvc-mjpeg-yuyv.txt" };
const C920_META = { fixture: "uvc-metadata-node.txt" };
const BRIO = { fixture: "h264-camera.txt" };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function world(): FakeV4l {
  const dir = mkdtempSync(join(tmpdir(), "camera-agent-v4l-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return new FakeV4l(dir);
}

async function agentFor(v4l: FakeV4l, usb: Record<string, unknown> = {}): Promise<TestAgent> {
  const agent = await startTestAgent({
    state: { dir: join(v4l.dir, "state") },
    discovery: { usb: v4l.config({ mode: "hybrid", poll_interval: "1h", ...usb }) },
  });
  cleanups.push(() => agent.stop());
  return agent;
}

async function client(agent: TestAgent, role: "viewer" | "admin" = "viewer"): Promise<RpcClient> {
  const rpc = await RpcClient.connect(agent.wsUrl);
  cleanups.push(async () => void (await rpc.close()));
  await rpc.authenticate(agent.token(role));
  return rpc;
}

type CameraList = { cameras: Array<Record<string, unknown>>; total: number; connected: number };
const list = async (rpc: RpcClient) => (await rpc.result("get_camera_list")) as CameraList;
const statusOf = async (rpc: RpcClient, device: string) =>
  ((await rpc.result("get_camera_list")) as CameraList).cameras.find(
    (camera) => camera.device === device,
  )?.status;

/** Notifications received so far, of one method, for one device. */
function received(rpc: RpcClient, log: unknown[], method: string, device?: string) {
  log.push(...rpc.drainInbox());
  return (
    log as Array<{
      method: string;
      params: Record<string, unknown> & { device: string; status: string };
    }>
  ).filter(
    (message) =>
      message.method === method && (device === undefined || message.params.device === device),
  );
}

/** The recorded webcam: a capture node and its UVC metadata node, with a serial number. */
function plugC920(v4l: FakeV4l): void {
  const camera = { port: "1-1", serial: "A1B2C3D4", label: "HD Pro Webcam C920" };
  v4l.plug({ ...camera, node: "video0", probe: C920 });
  v4l.plug({ ...camera, node: "video1", index: 1, probe: C920_META });
}

describe("USB discovery", () => {
  test("the initial scan lists capture nodes only, with stable ids and capabilities", async () => {
    const v4l = world();
    plugC920(v4l);
    v4l.plug({ node: "video2", port: "1-2", label: "Logitech BRIO", probe: BRIO });
    const agent = await agentFor(v4l);
    const rpc = await client(agent);
    await eventually(
      async () =>
        ((await rpc.result("get_system_status")) as { status: string }).status === "ready",
    );

    expect(await list(rpc)).toEqual({
      cameras: [
        {
          device: "camera0",
          status: "CONNECTED",
          name: "HD Pro Webcam C920",
          resolution: "1920x1080",
          fps: 30,
          streams: {
            rtsp: "rtsp://127.0.0.1:8554/camera0",
            hls: "http://127.0.0.1:8888/camera0/index.m3u8",
          },
        },
        {
          device: "camera1",
          status: "CONNECTED",
          name: "Logitech BRIO",
          resolution: "3840x2160",
          fps: 30,
          streams: {
            rtsp: "rtsp://127.0.0.1:8554/camera1",
            hls: "http://127.0.0.1:8888/camera1/index.m3u8",
          },
        },
      ],
      total: 2,
      connected: 2,
    });
    expect(await rpc.result("get_camera_capabilities", { device: "camera0" })).toEqual({
      device: "camera0",
      source: "usb",
      formats: ["YUYV", "MJPG"],
      resolutions: ["1920x1080", "1280x720", "640x480"],
      fps_options: [30, 24, 15, 10, 5],
      validation_status: "CONFIRMED",
      ptz: { ptz: false, presets: false, home: false, moves: [] },
    });
    expect(await rpc.result("get_camera_status", { device: "camera1" })).toEqual(
      expect.objectContaining({
        device: "camera1",
        status: "CONNECTED",
        capabilities: expect.objectContaining({ formats: ["H264", "MJPG", "YUYV"] }),
      }),
    );
    expect(await rpc.result("get_system_status")).toEqual(
      expect.objectContaining({
        status: "ready",
        available_cameras: ["camera0", "camera1"],
        discovery_active: true,
      }),
    );
    const camera0 = agent.agent.services.cameras.get("camera0");
    expect(usbSource(camera0).stablePath).toBe(
      join(v4l.dev, "v4l", "by-id", "usb-046d_HD_Pro_Webcam_C920_A1B2C3D4-video-index0"),
    );
    expect(usbSource(agent.agent.services.cameras.get("camera1")).stablePath).toBe(
      join(v4l.dev, "v4l", "by-path", "pci-0000:00:14.0-usb-0:1-2:1.0-video-index0"),
    );
  });

  test("bad device ids: -32602 for a bad pattern (even 1 MB long), -32010 for an unknown camera", async () => {
    const agent = await agentFor(world());
    const rpc = await client(agent);
    for (const device of [
      "invalid_device",
      "camera",
      "'; DROP TABLE cameras; --",
      "camera1".repeat(150_000),
      7,
    ]) {
      const reply = await rpc.call("get_camera_status", { device });
      expect(reply.error?.code).toBe(-32602);
      expect(reply.error?.data).toEqual(expect.objectContaining({ param: "device" }));
    }
    const missing = await rpc.call("get_camera_capabilities", { device: "camera42" });
    expect(missing.error).toEqual(
      expect.objectContaining({
        code: -32010,
        message: "Not found",
        data: expect.objectContaining({ resource: "camera", id: "camera42" }),
      }),
    );
  });

  test("hot-plug: udev events reach every session as camera_status_update, and subscribers as topic events", async () => {
    const v4l = world();
    const agent = await agentFor(v4l);
    const subscriber = await client(agent);
    const bystander = await client(agent);
    const unauthenticated = await RpcClient.connect(agent.wsUrl);
    cleanups.push(async () => void (await unauthenticated.close()));
    expect(
      await subscriber.result("subscribe_events", {
        topics: ["camera.connected", "camera.disconnected"],
        filters: { device: "camera0" },
      }),
    ).toEqual({
      subscribed: true,
      topics: ["camera.connected", "camera.disconnected"],
      filters: { device: "camera0" },
    });
    const subscriberLog: unknown[] = [];
    const bystanderLog: unknown[] = [];

    v4l.plug({ node: "video0", port: "1-1", serial: "S1", probe: C920 });
    v4l.event("add", "video0");
    await eventually(() => received(subscriber, subscriberLog, "camera.connected").length === 1);
    await eventually(() => received(bystander, bystanderLog, "camera_status_update").length === 1);
    const [update] = received(bystander, bystanderLog, "camera_status_update");
    expect(update as unknown).toEqual({
      jsonrpc: "2.0",
      method: "camera_status_update",
      params: {
        device: "camera0",
        status: "CONNECTED",
        name: "HD Pro Webcam C920",
        resolution: "1920x1080",
        fps: 30,
        streams: {
          rtsp: "rtsp://127.0.0.1:8554/camera0",
          hls: "http://127.0.0.1:8888/camera0/index.m3u8",
        },
      },
    });
    expect("id" in (update as object)).toBe(false);
    expect(received(subscriber, subscriberLog, "camera.connected")[0]?.params).toEqual(
      expect.objectContaining({
        device: "camera0",
        status: "CONNECTED",
        timestamp: expect.stringMatching(/Z$/),
      }),
    );
    expect(received(bystander, bystanderLog, "camera.connected")).toEqual([]);

    // A second camera: the filter keeps its topic events from the subscriber.
    v4l.plug({ node: "video2", port: "1-2", serial: "S2", probe: BRIO });
    v4l.event("add", "video2");
    await eventually(
      () => received(bystander, bystanderLog, "camera_status_update", "camera1").length === 1,
    );

    v4l.unplug("video0");
    v4l.event("remove", "video0");
    await eventually(() => received(subscriber, subscriberLog, "camera.disconnected").length === 1);
    expect(
      received(subscriber, subscriberLog, "camera.connected").map((event) => event.params.device),
    ).toEqual(["camera0"]);
    await eventually(
      () => received(bystander, bystanderLog, "camera_status_update", "camera0").length === 2,
    );
    expect(
      received(bystander, bystanderLog, "camera_status_update", "camera0").map(
        (event) => event.params.status,
      ),
    ).toEqual(["CONNECTED", "DISCONNECTED"]);
    expect(unauthenticated.drainInbox()).toEqual([]);
    expect(
      ((await subscriber.result("get_subscription_stats")) as { client_topics: string[] })
        .client_topics,
    ).toEqual(["camera.connected", "camera.disconnected"]);
  });

  test("ids survive replug on another /dev/videoN, agent restarts and identical cameras stay apart by port", async () => {
    const v4l = world();
    v4l.plug({ node: "video0", port: "1-1", serial: "SERIAL-A", probe: C920 });
    v4l.plug({ node: "video2", port: "1-3", probe: C920 });
    v4l.plug({ node: "video4", port: "1-4", probe: C920 });
    let agent = await agentFor(v4l);
    let rpc = await client(agent);
    await eventually(async () => (await list(rpc)).connected === 3);
    const byNode = () =>
      Object.fromEntries(
        agent.agent.services.cameras
          .list()
          .map((camera) => [usbSource(camera).node?.split("/").pop() ?? "-", camera.id]),
      );
    expect(byNode()).toEqual({ video0: "camera0", video2: "camera1", video4: "camera2" });

    v4l.unplug("video0");
    v4l.event("remove", "video0");
    await eventually(async () => (await statusOf(rpc, "camera0")) === "DISCONNECTED");
    v4l.plug({ node: "video7", port: "1-2", serial: "SERIAL-A", probe: C920 });
    v4l.event("add", "video7");
    await eventually(async () => (await statusOf(rpc, "camera0")) === "CONNECTED");
    expect(usbSource(agent.agent.services.cameras.get("camera0")).node).toBe(
      join(v4l.dev, "video7"),
    );
    expect((await list(rpc)).total).toBe(3);

    await rpc.close();
    await agent.stop();
    cleanups.length = 1;
    v4l.unplug("video7");
    agent = await agentFor(v4l);
    rpc = await client(agent);
    await eventually(async () => (await list(rpc)).connected === 2);
    expect((await list(rpc)).cameras.map((camera) => [camera.device, camera.status])).toEqual([
      ["camera0", "DISCONNECTED"],
      ["camera1", "CONNECTED"],
      ["camera2", "CONNECTED"],
    ]);
    v4l.plug({ node: "video1", port: "1-1", serial: "SERIAL-A", probe: C920 });
    v4l.event("add", "video1");
    await eventually(async () => (await statusOf(rpc, "camera0")) === "CONNECTED");
    // A new camera gets the lowest free number after the remembered ones.
    v4l.plug({ node: "video9", port: "1-9", serial: "NEW", probe: BRIO });
    v4l.event("add", "video9");
    await eventually(async () => (await statusOf(rpc, "camera3")) === "CONNECTED");
  });

  test("a USB camera can be renamed (kept across restarts and replugs) but not removed or re-pointed", async () => {
    const v4l = world();
    plugC920(v4l);
    let agent = await agentFor(v4l);
    let rpc = await client(agent, "admin");
    await eventually(async () => (await statusOf(rpc, "camera0")) === "CONNECTED");
    await rpc.result("update_camera", { device: "camera0", name: "Front desk" });
    expect((await list(rpc)).cameras[0]?.name).toBe("Front desk");
    expect((await rpc.call("remove_camera", { device: "camera0" })).error?.code).toBe(-32030);
    expect(
      (await rpc.call("update_camera", { device: "camera0", rtsp_url: "rtsp://h/x" })).error?.code,
    ).toBe(-32030);
    await rpc.close();
    await agent.stop();
    v4l.unplug("video0");
    v4l.plug({
      port: "1-1",
      serial: "A1B2C3D4",
      label: "HD Pro Webcam C920",
      node: "video4",
      probe: C920,
    });
    agent = await agentFor(v4l);
    rpc = await client(agent);
    await eventually(async () => (await statusOf(rpc, "camera0")) === "CONNECTED");
    expect((await list(rpc)).cameras[0]?.name).toBe("Front desk");
  });

  test("probe failures: busy, permission denied, garbage, hang → ERROR with a reason, retried until fixed", async () => {
    const v4l = world();
    v4l.plug({
      node: "video0",
      port: "1-1",
      serial: "B",
      probe: { stderr: "Cannot open device /dev/video0: Device or resource busy\n" },
    });
    v4l.plug({
      node: "video2",
      port: "1-2",
      serial: "P",
      probe: { stderr: "Failed to open /dev/video2: Permission denied\n" },
    });
    v4l.plug({
      node: "video4",
      port: "1-3",
      serial: "G",
      probe: { stdout: "Segmentation fault\n" },
    });
    v4l.plug({ node: "video6", port: "1-4", serial: "H", probe: "hang" });
    const agent = await agentFor(v4l, {
      mode: "poll",
      poll_interval: "200ms",
      probe_timeout: "300ms",
    });
    const rpc = await client(agent);
    const errors = async () =>
      Object.fromEntries(
        await Promise.all(
          ["camera0", "camera1", "camera2", "camera3"].map(async (device) => {
            const status = (await rpc.call("get_camera_status", { device })).result as
              | { status: string; error?: string }
              | undefined;
            const text = status ? `${status.status} ${status.error ?? ""}`.trim() : "absent";
            return [device, text] as [string, string];
          }),
        ),
      );
    const seen = await eventually(async () => {
      const now = await errors();
      return Object.values(now).every((value) => value.startsWith("ERROR")) && now;
    });
    expect(Object.values(seen).map((value) => value.split(":")[0])).toEqual([
      "ERROR busy",
      "ERROR permission_denied",
      "ERROR unparsable",
      "ERROR timeout",
    ]);
    v4l.setProbe("video0", C920);
    v4l.setProbe("video6", BRIO);
    await eventually(
      async () =>
        (await statusOf(rpc, "camera0")) === "CONNECTED" &&
        (await statusOf(rpc, "camera3")) === "CONNECTED",
    );
    expect(await statusOf(rpc, "camera1")).toBe("ERROR");
    const health = (await (await fetch(`${agent.httpUrl}/health/detailed`)).json()) as {
      components: Array<{ name: string; status: string }>;
    };
    expect(health.components.find((component) => component.name === "camera_monitor")?.status).toBe(
      "healthy",
    );
  });

  test("an event for a node that is already gone changes nothing; a by-id link that appears late updates the path, not the id", async () => {
    const v4l = world();
    const agent = await agentFor(v4l);
    const rpc = await client(agent);
    v4l.event("add", "video5");
    v4l.plug({ node: "video0", port: "1-1", serial: "LATE", probe: C920, byId: false });
    v4l.event("add", "video0");
    await eventually(async () => (await statusOf(rpc, "camera0")) === "CONNECTED");
    expect((await list(rpc)).total).toBe(1);
    expect(usbSource(agent.agent.services.cameras.get("camera0")).stablePath).toContain(
      "/by-path/",
    );
    v4l.linkById("video0", "usb-046d_Test_Camera_LATE-video-index0");
    v4l.event("change", "video0");
    await eventually(() =>
      usbSource(agent.agent.services.cameras.get("camera0")).stablePath?.includes("/by-id/"),
    );
    expect((await list(rpc)).total).toBe(1);
  });

  test("without udevadm, discovery polls sysfs and says so", async () => {
    const v4l = world();
    const agent = await agentFor(v4l, {
      mode: "event",
      udevadm: join(v4l.dir, "no-such-udevadm"),
      poll_interval: "200ms",
    });
    const admin = await client(agent, "admin");
    const monitor = await eventually(async () => {
      const health = (await (await fetch(`${agent.httpUrl}/health/detailed`)).json()) as {
        components: Array<{
          name: string;
          status: string;
          message: string;
          details: { udev_monitor: string; polling: boolean };
        }>;
      };
      const component = health.components.find((entry) => entry.name === "camera_monitor");
      return component?.details.udev_monitor === "unavailable" && component;
    });
    expect(monitor.status).toBe("degraded");
    expect(monitor.message).toContain("polling sysfs");
    expect(monitor.details.polling).toBe(true);
    expect(await admin.result("get_status")).toEqual(
      expect.objectContaining({
        status: "DEGRADED",
        components: expect.objectContaining({ camera_monitor: "RUNNING" }),
      }),
    );
    v4l.plug({ node: "video0", port: "1-1", serial: "X", probe: C920 });
    await eventually(async () => (await statusOf(admin, "camera0")) === "CONNECTED");
  });

  test("a recorded udevadm stream, replayed verbatim, is what finds a camera plugged after start-up", async () => {
    const v4l = world();
    const go = join(v4l.dir, "go");
    const replay = join(v4l.dir, "bin", "udevadm-replay");
    const recorded = join(import.meta.dir, "../fixtures/udevadm/monitor-c920.txt");
    await Bun.write(
      replay,
      `#!/bin/sh\nwhile [ ! -f "${go}" ]; do sleep 0.05; done\ncat "${recorded}"\nexec sleep 3600\n`,
    );
    chmodSync(replay, 0o755);
    // Event mode: no polling, so after the initial scan only udev events can trigger a scan.
    const agent = await agentFor(v4l, { mode: "event", udevadm: replay });
    const rpc = await client(agent);
    await eventually(
      async () =>
        ((await rpc.result("get_system_status")) as { status: string }).status === "ready",
    );
    plugC920(v4l);
    expect((await list(rpc)).total).toBe(0);
    await Bun.write(go, "");
    await eventually(async () => (await statusOf(rpc, "camera0")) === "CONNECTED");
    // The stream's own remove events don't remove it: sysfs, where it still is, is the truth.
    await Bun.sleep(200);
    expect(await list(rpc)).toEqual(expect.objectContaining({ total: 1, connected: 1 }));
  });

  test("discovery.usb.enabled: false runs no discovery and says so", async () => {
    const agent = await startTestAgent({ discovery: { usb: { enabled: false } } });
    cleanups.push(() => agent.stop());
    const rpc = await client(agent, "admin");
    expect(await rpc.result("get_system_status")).toEqual({
      status: "ready",
      message: "USB discovery is disabled (discovery.usb.enabled: false)",
      available_cameras: [],
      discovery_active: false,
    });
    expect(await rpc.result("get_status")).toEqual(
      expect.objectContaining({
        components: expect.objectContaining({ camera_monitor: "STOPPED" }),
      }),
    );
  });

  test("a udev monitor that dies is restarted with backoff, and its restart triggers a rescan", async () => {
    const v4l = world();
    const dying = join(v4l.dir, "bin", "udevadm-dies");
    await Bun.write(
      dying,
      "#!/bin/sh\necho 'monitor will print the received events for:'\nexit 3\n",
    );
    chmodSync(dying, 0o755);
    const agent = await agentFor(v4l, { udevadm: dying });
    const rpc = await client(agent);
    v4l.plug({ node: "video0", port: "1-1", serial: "R", probe: C920 });
    // No event is ever delivered and polling is hourly: only the restart's rescan can find it.
    await eventually(async () => (await statusOf(rpc, "camera0")) === "CONNECTED", 15_000);
    expect(agent.logs.join("")).toContain("udev monitor stopped; restarting");
  });
});

describe("an event storm", () => {
  test("1,000 add/remove events over 16 devices: the final state matches sysfs and every client saw each device's transitions in order", async () => {
    const v4l = world();
    const agent = await agentFor(v4l);
    const clients = [await client(agent), await client(agent)];
    for (const rpc of clients)
      await rpc.result("subscribe_events", { topics: ["camera.status_change"] });
    const plugged = new Set<number>();
    // Deterministic pseudo-random sequence, so a failure can be replayed.
    let seed = 42;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let i = 0; i < 1000; i++) {
      const device = Math.floor(random() * 16);
      const node = `video${device * 2}`;
      if (plugged.has(device)) {
        v4l.unplug(node);
        v4l.event("remove", node);
        plugged.delete(device);
      } else {
        v4l.plug({ node, port: `1-${device + 1}`, serial: `STORM${device}`, probe: C920 });
        v4l.event("add", node);
        plugged.add(device);
      }
      if (i % 100 === 99) await Bun.sleep(10);
    }
    // Settled: the registry reflects sysfs, and no reconcile is left to run.
    const viewer = clients[0] as RpcClient;
    await eventually(async () => (await list(viewer)).connected === plugged.size, 20_000);
    await agent.agent.discovery?.reconcile();
    const final = new Map(
      agent.agent.services.cameras.list().map((camera) => [camera.identity, camera]),
    );
    for (let device = 0; device < 16; device++) {
      const camera = [...final.values()].find((entry) =>
        entry.identity.includes(`STORM${device}:`),
      );
      const expected = plugged.has(device) ? "CONNECTED" : "DISCONNECTED";
      expect({ device, status: camera?.status ?? "DISCONNECTED" }).toEqual({
        device,
        status: expected,
      });
    }
    await Bun.sleep(100);
    for (const rpc of clients) {
      const log: unknown[] = [];
      const changes = received(rpc, log, "camera.status_change");
      const lastStatus = new Map<string, string>();
      for (const change of changes) {
        // Each transition starts where the previous one for that device ended: nothing lost,
        // nothing reordered.
        expect({ device: change.params.device, from: change.params.previous_status }).toEqual({
          device: change.params.device,
          from: lastStatus.get(change.params.device) ?? "DISCONNECTED",
        });
        lastStatus.set(change.params.device, change.params.status);
      }
      for (const camera of final.values()) {
        expect({ device: camera.id, last: lastStatus.get(camera.id) ?? "DISCONNECTED" }).toEqual({
          device: camera.id,
          last: camera.status,
        });
      }
      expect(changes.length).toBeGreaterThanOrEqual(16);
    }
  });
});

/** A USB camera's source (every camera in this file is one). */
function usbSource(camera: Camera): UsbSource {
  if (camera.source.kind !== "usb") throw new Error(`${camera.id} is not a USB camera`);
  return camera.source;
}
