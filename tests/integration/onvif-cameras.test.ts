// ONVIF cameras end to end: the agent's real ONVIF client (npm onvif) against our device
// simulator (WS-Security digest checked, its clock an hour off), the stream from GStreamer's
// RTSP server with a Digest login, MediaMTX as the API simulator.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../support/eventually.ts";
import { OnvifSimulator } from "../support/onvif-simulator.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { type RtspTestServer, startRtspTestServer } from "../support/rtsp-test-server.ts";
import { freePort, startTestAgent, type TestAgent } from "../support/test-agent.ts";

const LOGIN = { username: "admin", password: "0nvif-pw" };
const dir = mkdtempSync(join(tmpdir(), "camera-agent-onvif-"));
let stream: RtspTestServer;
let mediamtxRtsp: RtspTestServer;
let streamPort: number;
let camera: OnvifSimulator;
let jpeg: Uint8Array;
let agent: TestAgent;
let operator: RpcClient;
let viewer: RpcClient;

type Reply = Awaited<ReturnType<RpcClient["call"]>>;
type Status = Record<string, unknown> & { device: string; status: string; error?: string };

function simulator(options: Partial<ConstructorParameters<typeof OnvifSimulator>[0]> = {}) {
  return new OnvifSimulator({
    ...LOGIN,
    streamUris: {
      main: `rtsp://127.0.0.1:${streamPort}/main`,
      sub: `rtsp://127.0.0.1:${streamPort}/sub`,
    },
    snapshot: jpeg,
    ...options,
  }).start();
}

beforeAll(async () => {
  const still = join(dir, "still.jpg");
  Bun.spawnSync(
    ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=640x360", "-frames:v", "1", still],
    { stdout: "ignore" },
  );
  jpeg = readFileSync(still);
  streamPort = freePort();
  stream = await startRtspTestServer(["main", "sub"], {
    port: streamPort,
    login: { user: LOGIN.username, password: LOGIN.password },
  });
  // Stands in for MediaMTX's RTSP output: where a snapshot from the stream reads camera0.
  mediamtxRtsp = await startRtspTestServer(["camera0"]);
  // The camera's clock is an hour ahead: WS-Security must allow for it.
  camera = simulator({ skewMs: 3_600_000 });
  agent = await startTestAgent({
    mediamtx: { rtsp_url: mediamtxRtsp.url },
    snapshots: { timeout: "10s" },
    discovery: {
      usb: { enabled: false },
      network: { check_interval: "300ms", check_timeout: "1500ms", max_backoff: "1s" },
    },
  });
  operator = await RpcClient.connect(agent.wsUrl);
  await operator.authenticate(agent.token("operator"));
  viewer = await RpcClient.connect(agent.wsUrl);
  await viewer.authenticate(agent.token("viewer"));
  await eventually(() => agent.agent.mediamtx.probe.available);
});
afterAll(async () => {
  await operator.close();
  await viewer.close();
  await agent.stop();
  camera.stop();
  stream.stop();
  mediamtxRtsp.stop();
  rmSync(dir, { recursive: true, force: true });
});

function expectNoSecret(value: unknown): void {
  expect(typeof value === "string" ? value : JSON.stringify(value)).not.toContain(LOGIN.password);
}

function detail(reply: Reply): string {
  return JSON.stringify(reply.error);
}

describe("adding by ONVIF address", () => {
  test("profile, stream URI and make from the camera, an hour of clock skew notwithstanding", async () => {
    const added = (await operator.result("add_camera", {
      onvif_address: `127.0.0.1:${camera.port}`,
      ...LOGIN,
    })) as Status;
    expect(added).toMatchObject({
      device: "camera0",
      source: "onvif",
      status: "CONNECTED",
      name: "Simulated PTZ-1000",
      // What the stream's SDP says (the GStreamer source), not what the profile claims.
      resolution: "320x240",
    });
    expectNoSecret(added);
    expect(camera.refusedLogins).toBe(0);
    await eventually(() => agent.mediamtx.pathConfigs().has("camera0"));
    expect(agent.mediamtx.pathConfigs().get("camera0")?.source).toBe(
      `rtsp://admin:${LOGIN.password}@127.0.0.1:${streamPort}/main`,
    );
    expectNoSecret(agent.logs.join("\n"));
  });

  test("its profiles, the one without video included, the one in use marked", async () => {
    const { profiles } = (await operator.result("get_camera_profiles", { device: "camera0" })) as {
      profiles: Array<Record<string, unknown>>;
    };
    expect(profiles).toEqual([
      {
        token: "main",
        name: "MainStream",
        video: { encoding: "H264", width: 1920, height: 1080, fps: 25 },
        ptz: true,
        selected: true,
      },
      {
        token: "sub",
        name: "SubStream",
        video: { encoding: "H264", width: 640, height: 360, fps: 15 },
        ptz: true,
        selected: false,
      },
      { token: "meta", name: "MetadataOnly", video: null, ptz: true, selected: false },
    ]);
  });

  test("capabilities say it has PTZ", async () => {
    expect(await operator.result("get_camera_capabilities", { device: "camera0" })).toMatchObject({
      source: "onvif",
      formats: ["H264"],
      ptz: { ptz: true, presets: true, home: true, moves: ["continuous", "relative", "absolute"] },
    });
  });

  test("a snapshot is the camera's own JPEG, fetched with its Digest login", async () => {
    const before = camera.snapshotRequests;
    const taken = (await operator.result("take_snapshot", { device: "camera0" })) as {
      filename: string;
      file_size: number;
    };
    expect(camera.snapshotRequests).toBe(before + 1);
    const saved = readFileSync(join(agent.config.storage.root, "snapshots", taken.filename));
    expect(Buffer.compare(saved, Buffer.from(jpeg))).toBe(0);
    expect(taken.file_size).toBe(jpeg.length);
  });

  test("a failing snapshot URI: a frame from the stream instead, and a log line saying so", async () => {
    camera.snapshotFails = true;
    try {
      const taken = (await operator.result("take_snapshot", { device: "camera0" })) as {
        filename: string;
      };
      const probe = Bun.spawnSync([
        "ffprobe",
        "-v",
        "error",
        "-show_entries",
        "stream=width,height",
        "-of",
        "csv=p=0",
        join(agent.config.storage.root, "snapshots", taken.filename),
      ]);
      // The stream's frame (320x240), not the camera's still (640x360).
      expect(probe.stdout.toString().trim()).toBe("320,240");
      expect(
        agent.logs.some((line) => line.includes("snapshot URI failed") && line.includes("500")),
      ).toBe(true);
    } finally {
      camera.snapshotFails = false;
    }
  });

  test("another profile: MediaMTX pulls its stream; a profile without video or none at all is refused", async () => {
    const sub = (await operator.result("update_camera", {
      device: "camera0",
      profile: "sub",
    })) as Status;
    expect(sub.status).toBe("CONNECTED");
    await eventually(() =>
      String(agent.mediamtx.pathConfigs().get("camera0")?.source).endsWith("/sub"),
    );
    const meta = await operator.call("update_camera", { device: "camera0", profile: "meta" });
    expect(meta.error?.code).toBe(-32030);
    expect(detail(meta)).toContain('profile \\"meta\\" has no video encoder');
    const missing = await operator.call("update_camera", { device: "camera0", profile: "nope" });
    expect(missing.error?.code).toBe(-32010);
    await operator.result("update_camera", { device: "camera0", profile: "main" });
  });

  test("the same device twice is refused", async () => {
    const reply = await operator.call("add_camera", {
      onvif_address: `http://127.0.0.1:${camera.port}/onvif/device_service`,
      ...LOGIN,
    });
    expect(reply.error?.code).toBe(-32020);
    expect(detail(reply)).toContain("already added as camera0");
  });
});

describe("PTZ", () => {
  test("continuous move with its timeout, then stop", async () => {
    await operator.result("ptz_move", { device: "camera0", pan: 0.5, tilt: -0.25, timeout: 2000 });
    expect(camera.moving).toEqual({ x: 0.5, y: -0.25, zoom: 0 });
    expect(camera.commands.at(-1)).toMatchObject({
      operation: "ContinuousMove",
      profile: "main",
      values: { timeout: "PT2S" },
    });
    await operator.result("ptz_stop", { device: "camera0" });
    expect(camera.moving).toBeUndefined();
  });

  test("absolute and relative moves change the position; home goes back", async () => {
    await operator.result("ptz_move", {
      device: "camera0",
      mode: "absolute",
      pan: 0.4,
      tilt: 0.2,
      zoom: 0.5,
    });
    expect(camera.position).toEqual({ x: 0.4, y: 0.2, zoom: 0.5 });
    await operator.result("ptz_move", { device: "camera0", mode: "relative", pan: -0.1 });
    expect(camera.position.x).toBeCloseTo(0.3);
    await operator.result("ptz_home", { device: "camera0" });
    expect(camera.position).toEqual({ x: 0, y: 0, zoom: 0 });
  });

  test("presets round-trip, XML-special names included; goto moves there; remove deletes", async () => {
    await operator.result("ptz_move", {
      device: "camera0",
      mode: "absolute",
      pan: -0.5,
      tilt: 0.1,
    });
    const name = `Gate & "Door" <north>`;
    const saved = (await operator.result("set_ptz_preset", { device: "camera0", name })) as {
      preset: string;
    };
    expect(saved.preset).toMatch(/^\w+$/);
    const { presets } = (await operator.result("get_ptz_presets", { device: "camera0" })) as {
      presets: Array<{ token: string; name: string }>;
    };
    expect(presets).toEqual([{ token: saved.preset, name }]);
    await operator.result("ptz_home", { device: "camera0" });
    await operator.result("goto_ptz_preset", { device: "camera0", preset: saved.preset });
    expect(camera.position).toMatchObject({ x: -0.5, y: 0.1 });
    await operator.result("remove_ptz_preset", { device: "camera0", preset: saved.preset });
    expect(camera.presets.size).toBe(0);
  });

  test("the camera's own refusal comes back in its words", async () => {
    const reply = await operator.call("goto_ptz_preset", { device: "camera0", preset: "99" });
    expect(reply.error?.code).toBe(-32050);
    expect(detail(reply)).toContain("the camera said: The requested preset token does not exist");
  });

  test("bad values are refused before reaching the camera", async () => {
    const before = camera.commands.length;
    for (const params of [
      { device: "camera0", pan: 2 },
      { device: "camera0" },
      { device: "camera0", mode: "absolute", zoom: -0.5 },
      { device: "camera0", pan: 0.1, timeout: 10 },
    ]) {
      expect((await operator.call("ptz_move", params)).error?.code).toBe(-32602);
    }
    expect(
      (await operator.call("goto_ptz_preset", { device: "camera0", preset: "1</PresetToken><x>" }))
        .error?.code,
    ).toBe(-32602);
    expect(
      (await operator.call("set_ptz_preset", { device: "camera0", name: "a\nb" })).error?.code,
    ).toBe(-32602);
    expect(camera.commands.length).toBe(before);
  });

  test("a viewer may not move cameras; a camera added by RTSP URL has no PTZ", async () => {
    expect((await viewer.call("ptz_move", { device: "camera0", pan: 0.1 })).error?.code).toBe(
      -32002,
    );
    const plain = (await operator.result("add_camera", {
      rtsp_url: `rtsp://127.0.0.1:${streamPort}/main`,
      ...LOGIN,
    })) as Status;
    const reply = await operator.call("ptz_home", { device: plain.device });
    expect(reply.error?.code).toBe(-32030);
    expect(detail(reply)).toContain("is not an ONVIF camera");
    await operator.result("remove_camera", { device: plain.device });
  });
});

describe("cameras that fail", () => {
  test("a wrong password: refused with the reason, nothing added", async () => {
    const other = simulator({ serial: "SIM0002" });
    try {
      const reply = await operator.call("add_camera", {
        onvif_address: `127.0.0.1:${other.port}`,
        username: "admin",
        password: "wrong",
      });
      expect(reply.error?.code).toBe(-32050);
      expect(detail(reply)).toContain("the camera refused the username or password");
      expect(other.refusedLogins).toBeGreaterThan(0);
      const list = (await operator.result("get_camera_list")) as { total: number };
      expect(list.total).toBe(1);
    } finally {
      other.stop();
    }
  });

  test("malformed answers, a camera that never answers, and no camera at all", async () => {
    const broken = simulator();
    broken.misbehave = "malformed";
    const slow = simulator();
    slow.misbehave = "slow";
    try {
      const malformed = await operator.call("add_camera", {
        onvif_address: `127.0.0.1:${broken.port}`,
        ...LOGIN,
      });
      expect(malformed.error?.code).toBe(-32050);
      expect(detail(malformed)).toContain("not valid ONVIF");
      const started = performance.now();
      const timedOut = await operator.call("add_camera", {
        onvif_address: `127.0.0.1:${slow.port}`,
        ...LOGIN,
      });
      // Bounded: a connect is at most 4 × check_timeout (6 s here), whatever the camera does.
      expect(performance.now() - started).toBeLessThan(15_000);
      expect(timedOut.error?.code).toBe(-32050);
      expect(detail(timedOut)).toContain("did not answer");
      const nobody = await operator.call("add_camera", {
        onvif_address: `127.0.0.1:${freePort()}`,
        ...LOGIN,
      });
      expect(nobody.error?.code).toBe(-32050);
      expect(detail(nobody)).toContain("unreachable: connection refused");
    } finally {
      broken.stop();
      slow.stop();
    }
  }, 30_000);

  test("bad addresses are -32602 naming the parameter", async () => {
    for (const [address, message] of [
      ["https://cam/onvif", "must be http://"],
      ["http://admin:pw@cam/", "must not carry a login"],
      ["cam/a b", "contains spaces or control characters"],
      ["cam?x=1", "must not have a query"],
    ]) {
      const reply = await operator.call("add_camera", { onvif_address: address });
      expect(reply.error?.code).toBe(-32602);
      expect(detail(reply)).toContain(`onvif_address: ${message}`);
    }
    const both = await operator.call("add_camera", {
      onvif_address: "cam",
      rtsp_url: "rtsp://cam/x",
    });
    expect(detail(both)).toContain("give either onvif_address or rtsp_url");
  });

  test("the stream going away: DISCONNECTED, PTZ refused as offline; back: CONNECTED", async () => {
    stream.stop();
    await eventually(async () => {
      const status = (await operator.result("get_camera_status", { device: "camera0" })) as Status;
      return status.status === "DISCONNECTED";
    }, 15_000);
    const offline = await operator.call("ptz_home", { device: "camera0" });
    expect(offline.error?.code).toBe(-32020);
    expect(detail(offline)).toContain("camera0 is offline");
    stream = await startRtspTestServer(["main", "sub"], {
      port: streamPort,
      login: { user: LOGIN.username, password: LOGIN.password },
    });
    await eventually(async () => {
      const status = (await operator.result("get_camera_status", { device: "camera0" })) as Status;
      return status.status === "CONNECTED";
    }, 15_000);
  }, 40_000);
});
