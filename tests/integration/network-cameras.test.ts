// Network cameras added by RTSP URL, against real RTSP servers: GStreamer's (with a Digest or
// Basic login, like a camera), a port nobody listens on, a server that never answers, and one
// that speaks HTTP. MediaMTX is the API simulator, so each path's `source` is checked as the
// real server would take it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../support/eventually.ts";
import { probeImage } from "../support/image-probe.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { type RtspTestServer, startRtspTestServer } from "../support/rtsp-test-server.ts";
import { freePort, startTestAgent, type TestAgent } from "../support/test-agent.ts";

const PASSWORD = "s3cret:/@pw";
let camera: RtspTestServer;
let basicCamera: RtspTestServer;
let mediamtxRtsp: RtspTestServer;
let agent: TestAgent;
let operator: RpcClient;
let watcher: RpcClient;
const state = mkdtempSync(join(tmpdir(), "camera-agent-net-"));

const network = { check_interval: "300ms", check_timeout: "1500ms", max_backoff: "1s" };

function startAgent(): Promise<TestAgent> {
  return startTestAgent({
    state: { dir: state },
    storage: { root: join(state, "media") },
    // Stands in for MediaMTX's RTSP output of camera0 (snapshots read there).
    mediamtx: { rtsp_url: mediamtxRtsp.url },
    snapshots: { timeout: "10s" },
    discovery: { usb: { enabled: false }, network },
  });
}

beforeAll(async () => {
  camera = await startRtspTestServer(["stream1"], { login: { user: "admin", password: PASSWORD } });
  basicCamera = await startRtspTestServer(["live"], {
    login: { user: "viewer", password: "pw", basic: true },
  });
  mediamtxRtsp = await startRtspTestServer(["camera0"]);
  agent = await startAgent();
  operator = await RpcClient.connect(agent.wsUrl);
  await operator.authenticate(agent.token("operator"));
  watcher = await RpcClient.connect(agent.wsUrl);
  await watcher.authenticate(agent.token("viewer"));
  await eventually(() => agent.agent.mediamtx.probe.available);
});
afterAll(async () => {
  await operator.close();
  await watcher.close();
  await agent.stop();
  for (const server of [camera, basicCamera, mediamtxRtsp]) server.stop();
  rmSync(state, { recursive: true, force: true });
});

type Status = Record<string, unknown> & { device: string; status: string; error?: string };

async function status(device: string): Promise<Status> {
  return (await operator.result("get_camera_status", { device })) as Status;
}

/** A login must never be sent back: not in answers, notifications or log lines. */
function expectNoSecret(value: unknown): void {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  expect(text).not.toContain("s3cret");
  expect(text).not.toContain(encodeURIComponent(PASSWORD));
}

describe("adding a camera by RTSP URL", () => {
  test("a login in the URL (Digest): checked, CONNECTED with the mode its SDP announces, pulled by MediaMTX", async () => {
    const url = `rtsp://admin:${encodeURIComponent(PASSWORD)}@127.0.0.1:${camera.port}/stream1`;
    const added = (await operator.result("add_camera", {
      rtsp_url: url,
      name: "Gate",
    })) as Status;
    expect(added).toMatchObject({
      device: "camera0",
      status: "CONNECTED",
      name: "Gate",
      source: "rtsp",
      resolution: "320x240",
      fps: 15,
      streams: {
        rtsp: expect.stringMatching(/\/camera0$/),
        hls: expect.stringMatching(/\/camera0\/index\.m3u8$/),
      },
      capabilities: { formats: ["H264"], resolutions: ["320x240"] },
    });
    expectNoSecret(added);
    // MediaMTX pulls the camera on demand, with the login, percent-encoded.
    await eventually(() => agent.mediamtx.pathConfigs().has("camera0"));
    expect(agent.mediamtx.pathConfigs().get("camera0")).toMatchObject({
      source: url,
      sourceOnDemand: true,
    });
    expect(agent.mediamtx.pathConfigs().get("camera0")?.runOnDemand).toBeFalsy();
    expect(agent.mediamtx.read("camera0")).toBe(true);
    agent.mediamtx.leave("camera0");
    // Other clients heard of it, without the login.
    const seen = watcher.drainInbox();
    expect(JSON.stringify(seen)).toContain('"camera0"');
    expectNoSecret(seen);
  });

  test("a real JPEG snapshot of it", async () => {
    const taken = (await operator.result("take_snapshot", { device: "camera0" })) as {
      file_size: number;
      filename: string;
    };
    expect(taken.file_size).toBeGreaterThan(1000);
    expect(probeImage(join(state, "media", "snapshots", taken.filename))).toBe("mjpeg,320,240");
  });

  test("Basic login as separate parameters; the mode the SDP has", async () => {
    const added = (await operator.result("add_camera", {
      rtsp_url: `rtsp://127.0.0.1:${basicCamera.port}/live`,
      username: "viewer",
      password: "pw",
    })) as Status;
    expect(added).toMatchObject({
      device: "camera1",
      status: "CONNECTED",
    });
    expect(String(added.name)).toBe(`Camera at 127.0.0.1:${basicCamera.port}`);
    await eventually(() => agent.mediamtx.pathConfigs().has("camera1"));
    expect(agent.mediamtx.pathConfigs().get("camera1")?.source).toBe(
      `rtsp://viewer:pw@127.0.0.1:${basicCamera.port}/live`,
    );
  });

  test("the same stream twice is refused, whatever the login or default port", async () => {
    const reply = await operator.call("add_camera", {
      rtsp_url: `rtsp://other:login@127.0.0.1:${camera.port}/stream1`,
    });
    expect(reply.error?.code).toBe(-32020);
    expect(JSON.stringify(reply.error)).toContain("already added as camera0");
  });

  test("a wrong password is ERROR with a reason; fixing it reconnects; neither is logged", async () => {
    const wrong = (await operator.result("update_camera", {
      device: "camera0",
      password: "wrong",
    })) as Status;
    expect(wrong).toMatchObject({
      status: "ERROR",
      error: "the camera refused the username or password",
    });
    // Not publishable while the camera refuses us: MediaMTX drops the path.
    await eventually(() => !agent.mediamtx.pathConfigs().has("camera0"));
    const fixed = (await operator.result("update_camera", {
      device: "camera0",
      password: PASSWORD,
    })) as Status;
    expect(fixed.status).toBe("CONNECTED");
    expect(fixed.error).toBeUndefined();
    await eventually(() => agent.mediamtx.pathConfigs().has("camera0"));
    expectNoSecret(agent.logs.join("\n"));
    expect(agent.logs.join("\n")).not.toContain("wrong");
  });

  test("no login where the camera needs one: ERROR saying so", async () => {
    const added = (await operator.result("add_camera", {
      rtsp_url: `rtsp://127.0.0.1:${camera.port}/stream1?nologin=1`,
    })) as Status;
    expect(added).toMatchObject({
      status: "ERROR",
      error: "the camera needs a username and password",
    });
    await operator.result("remove_camera", { device: added.device });
  });

  test("a path the camera does not have: ERROR (404)", async () => {
    const added = (await operator.result("add_camera", {
      rtsp_url: `rtsp://admin:x@127.0.0.1:${camera.port}/nope`,
    })) as Status;
    // GStreamer asks for the login before it looks the path up.
    expect(added.status).toBe("ERROR");
    expect(added.error).toMatch(/refused the username|no stream at this path/);
    await operator.result("remove_camera", { device: added.device });
  });
});

describe("reachability", () => {
  test("an address nobody answers on is DISCONNECTED; the camera appearing makes it CONNECTED, going away DISCONNECTED again", async () => {
    const port = freePort();
    const added = (await operator.result("add_camera", {
      rtsp_url: `rtsp://127.0.0.1:${port}/late`,
    })) as Status;
    expect(added).toMatchObject({
      status: "DISCONNECTED",
      error: "unreachable: connection refused",
    });
    await operator.result("subscribe_events", {
      topics: ["camera.connected", "camera.disconnected"],
    });
    const late = await startRtspTestServer(["late"], { port });
    try {
      await eventually(async () => (await status(added.device)).status === "CONNECTED", 15_000);
      await eventually(() => agent.mediamtx.pathConfigs().has(added.device));
    } finally {
      late.stop();
    }
    await eventually(async () => (await status(added.device)).status === "DISCONNECTED", 15_000);
    await eventually(() => !agent.mediamtx.pathConfigs().has(added.device));
    const events = operator
      .drainInbox()
      .map((message) => message as { method?: string; params?: { device?: string } })
      .filter((message) => message.params?.device === added.device)
      .map((message) => message.method);
    expect(events).toContain("camera.connected");
    expect(events).toContain("camera.disconnected");
    await operator.result("remove_camera", { device: added.device });
  });

  test("a camera that accepts and never answers: DISCONNECTED within the check timeout", async () => {
    const silent: Server = createServer(() => {}).listen(0, "127.0.0.1");
    await new Promise((resolve) => silent.once("listening", resolve));
    const port = (silent.address() as { port: number }).port;
    try {
      const started = performance.now();
      const added = (await operator.result("add_camera", {
        rtsp_url: `rtsp://127.0.0.1:${port}/slow`,
      })) as Status;
      // Bounded by check_timeout (1.5 s) plus MediaMTX's apply, with room for a loaded machine.
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(added).toMatchObject({
        status: "DISCONNECTED",
        error: "the camera did not answer in time",
      });
      await operator.result("remove_camera", { device: added.device });
    } finally {
      silent.close();
    }
  });

  test("a camera that hangs up after asking for the login: asked again on a new connection", async () => {
    let connections = 0;
    const picky: Server = createServer((socket) => {
      connections++;
      socket.on("error", () => {});
      socket.on("data", (data) => {
        // Hung up: whatever else arrives on this connection goes unanswered.
        if (socket.writableEnded) return;
        const request = data.toString();
        const sequence = /CSeq: (\d+)/.exec(request)?.[1];
        if (!request.includes("Authorization: Basic")) {
          socket.end(
            `RTSP/1.0 401 Unauthorized\r\nCSeq: ${sequence}\r\nWWW-Authenticate: Basic realm="cam"\r\n\r\n`,
          );
          return;
        }
        const sdp =
          "v=0\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\na=x-dimensions:800,600\r\n";
        socket.end(
          `RTSP/1.0 200 OK\r\nCSeq: ${sequence}\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`,
        );
      });
    }).listen(0, "127.0.0.1");
    await new Promise((resolve) => picky.once("listening", resolve));
    const port = (picky.address() as { port: number }).port;
    try {
      const added = (await operator.result("add_camera", {
        rtsp_url: `rtsp://u:p@127.0.0.1:${port}/picky`,
      })) as Status;
      expect(added).toMatchObject({ status: "CONNECTED", resolution: "800x600" });
      expect(connections).toBeGreaterThanOrEqual(2);
      await operator.result("remove_camera", { device: added.device });
    } finally {
      picky.close();
    }
  });

  test("something that is not an RTSP server: ERROR", async () => {
    const http = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("hi") });
    try {
      const added = (await operator.result("add_camera", {
        rtsp_url: `rtsp://127.0.0.1:${http.port}/x`,
      })) as Status;
      expect(added).toMatchObject({ status: "ERROR", error: "the server does not speak RTSP" });
      await operator.result("remove_camera", { device: added.device });
    } finally {
      http.stop(true);
    }
  });
});

describe("bad input", () => {
  const refused: Array<[string, Record<string, unknown>, string]> = [
    ["not rtsp", { rtsp_url: "http://127.0.0.1/x" }, "rtsp_url: must start with rtsp://"],
    ["a file", { rtsp_url: "file:///etc/passwd" }, "rtsp_url: must start with rtsp://"],
    ["a space", { rtsp_url: "rtsp://h/a b" }, "rtsp_url: contains spaces or control characters"],
    [
      "a newline",
      { rtsp_url: "rtsp://h/a\nrunOnInit: reboot" },
      "rtsp_url: contains spaces or control characters",
    ],
    ["no host", { rtsp_url: "rtsp:///x" }, "rtsp_url: has no host"],
    ["too long", { rtsp_url: `rtsp://h/${"a".repeat(3000)}` }, "rtsp_url:"],
    ["a name with a newline", { rtsp_url: "rtsp://h/n", name: "a\nb" }, "name: must not contain"],
    ["an empty name", { rtsp_url: "rtsp://h/n", name: "  " }, "name:"],
    ["a bad %-escape in the login", { rtsp_url: "rtsp://a:%zz@h/x" }, "rtsp_url:"],
  ];
  for (const [what, params, message] of refused) {
    test(`${what}: -32602 naming the parameter`, async () => {
      const reply = await operator.call("add_camera", params);
      expect(reply.error?.code).toBe(-32602);
      expect(
        String((reply.error?.data as { details?: string })?.details ?? reply.error?.message),
      ).toContain(message);
    });
  }

  test("shell and path characters are data: checked and stored as they are, never run", async () => {
    const marker = join(state, "pwned");
    const hostile = `rtsp://127.0.0.1:${camera.port}/$(touch%20${marker});\`touch%20${marker}\`/../etc?x='|&`;
    const added = (await operator.result("add_camera", { rtsp_url: hostile })) as Status;
    // The camera was asked for that (odd) path, with no login: it wants one.
    expect(added.status).toBe("ERROR");
    await Bun.sleep(500);
    expect(await Bun.file(marker).exists()).toBe(false);
    await operator.result("remove_camera", { device: added.device });
  });

  test("a viewer may not add, change or remove cameras", async () => {
    for (const [method, params] of [
      ["add_camera", { rtsp_url: "rtsp://h/v" }],
      ["update_camera", { device: "camera0", name: "x" }],
      ["remove_camera", { device: "camera0" }],
    ] as const) {
      expect((await watcher.call(method, params)).error?.code).toBe(-32002);
    }
  });

  test("update_camera with nothing to change, or on an unknown camera", async () => {
    expect((await operator.call("update_camera", { device: "camera0" })).error?.code).toBe(-32602);
    expect(
      (await operator.call("update_camera", { device: "camera99", name: "x" })).error?.code,
    ).toBe(-32010);
  });
});

describe("changing", () => {
  test("a new URL keeps the camera's id; another camera's URL is refused", async () => {
    const port = freePort();
    const added = (await operator.result("add_camera", {
      rtsp_url: `rtsp://127.0.0.1:${port}/old`,
    })) as Status;
    const moved = (await operator.result("update_camera", {
      device: added.device,
      rtsp_url: `rtsp://admin:${encodeURIComponent(PASSWORD)}@127.0.0.1:${camera.port}/stream1?moved=1`,
    })) as Status;
    expect(moved).toMatchObject({ device: added.device, status: "CONNECTED" });
    await eventually(() =>
      String(agent.mediamtx.pathConfigs().get(added.device)?.source).endsWith("?moved=1"),
    );
    const taken = await operator.call("update_camera", {
      device: added.device,
      rtsp_url: `rtsp://127.0.0.1:${camera.port}/stream1`,
    });
    expect(taken.error?.code).toBe(-32020);
    expect(JSON.stringify(taken.error)).toContain("already added as camera0");
    await operator.result("remove_camera", { device: added.device });
  });

  test("concurrent adds of one stream make one camera; the limit counts every camera", async () => {
    const url = `rtsp://127.0.0.1:${freePort()}/same`;
    const replies = await Promise.all(
      [1, 2, 3].map(() => operator.call("add_camera", { rtsp_url: url })),
    );
    const added = replies.filter((reply) => reply.result !== undefined);
    expect(added).toHaveLength(1);
    expect(replies.filter((reply) => reply.error?.code === -32020)).toHaveLength(2);
    await operator.result("remove_camera", {
      device: (added[0]?.result as Status | undefined)?.device,
    });
    // limits.max_cameras is 16 by default: fill up to it, then one more is refused.
    const { total } = (await operator.result("get_camera_list")) as { total: number };
    const extra: string[] = [];
    for (let n = total; n < 16; n++) {
      const reply = (await operator.result("add_camera", {
        rtsp_url: `rtsp://127.0.0.1:1/fill${n}`,
      })) as Status;
      extra.push(reply.device);
    }
    const over = await operator.call("add_camera", { rtsp_url: "rtsp://127.0.0.1:1/one-too-many" });
    expect(over.error?.code).toBe(-32020);
    expect(JSON.stringify(over.error)).toContain("limits.max_cameras");
    for (const device of extra) await operator.result("remove_camera", { device });
  });
});

describe("removing and keeping", () => {
  test("renaming is heard by every client", async () => {
    watcher.drainInbox();
    await operator.result("update_camera", { device: "camera1", name: "Back door" });
    await eventually(() =>
      watcher
        .drainInbox()
        .some((message) => JSON.stringify(message).includes('"name":"Back door"')),
    );
  });

  test("cameras, logins and names survive a restart", async () => {
    await operator.close();
    await watcher.close();
    await agent.agent.stop();
    agent.mediamtx.stop();
    agent = await startAgent();
    operator = await RpcClient.connect(agent.wsUrl);
    await operator.authenticate(agent.token("operator"));
    watcher = await RpcClient.connect(agent.wsUrl);
    await watcher.authenticate(agent.token("viewer"));
    await eventually(async () => (await status("camera0")).status === "CONNECTED", 15_000);
    expect((await status("camera1")).name).toBe("Back door");
    await eventually(() => agent.mediamtx.pathConfigs().has("camera0"));
  });

  test("removed: gone from the list and from MediaMTX; its id never reused; the same stream gets it back", async () => {
    const before = (await operator.result("get_camera_list")) as { cameras: Status[] };
    const highest = Math.max(...before.cameras.map((c) => Number(c.device.slice(6))));
    expect(await operator.result("remove_camera", { device: "camera1" })).toEqual({
      device: "camera1",
      removed: true,
    });
    await eventually(() => !agent.mediamtx.pathConfigs().has("camera1"));
    const after = (await operator.result("get_camera_list")) as { cameras: Status[] };
    expect(after.cameras.map((c) => c.device)).not.toContain("camera1");
    expect((await operator.call("get_camera_status", { device: "camera1" })).error?.code).toBe(
      -32010,
    );
    const other = (await operator.result("add_camera", {
      rtsp_url: `rtsp://127.0.0.1:${freePort()}/another`,
    })) as Status;
    expect(Number(other.device.slice(6))).toBeGreaterThan(highest);
    const back = (await operator.result("add_camera", {
      rtsp_url: `rtsp://viewer:pw@127.0.0.1:${basicCamera.port}/live`,
    })) as Status;
    expect(back).toMatchObject({ device: "camera1", status: "CONNECTED" });
    await operator.result("remove_camera", { device: other.device });
  });
});
