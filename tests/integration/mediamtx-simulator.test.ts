// The MediaMTX simulator is the only MediaMTX the tests have, so where the agent depends on the
// real server's behaviour the simulator must mirror it. One test per behaviour, each citing
// where the real server's behaviour is documented (shared/reference/mediamtx/ is vendored into
// tests/fixtures/mediamtx/).
import { afterEach, describe, expect, test } from "bun:test";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { agentOnCamera } from "../support/agent-on-camera.ts";
import { eventually } from "../support/eventually.ts";
import { oneCameraWorld } from "../support/fake-v4l.ts";
import { MediaMtxSimulator } from "../support/mediamtx-simulator.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const agentWithCamera = () => agentOnCamera(oneCameraWorld("SIM", cleanups), cleanups, "operator");

const api = async (simulator: MediaMtxSimulator, path: string, init?: RequestInit) => {
  const response = await fetch(`${simulator.url}${path}`, init);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
};

describe("the MediaMTX simulator behaves like MediaMTX", () => {
  // openapi.yaml: Info.started is the server's start time; shared/mediamtx/README.md: "restart
  // with empty runtime state". Paths added through the API live in memory only (mediamtx.yml
  // is not rewritten by the API), so a restarted server has none of them.
  test("a restart (or crash and start) loses API-added paths and reports a new start time", async () => {
    const simulator = new MediaMtxSimulator().start();
    cleanups.push(() => simulator.stop());
    const before = (await api(simulator, "/v3/info")).body.started;
    const added = await api(simulator, "/v3/config/paths/add/camera0", {
      method: "POST",
      body: JSON.stringify({ source: "publisher" }),
    });
    expect(added.status).toBe(200);
    simulator.crash();
    expect(await fetch(`${simulator.url}/v3/info`).catch(() => "refused")).toBe("refused");
    simulator.restartAfterCrash();
    const after = (await api(simulator, "/v3/info")).body.started;
    expect(typeof after).toBe("string");
    expect(Date.parse(String(after))).toBeGreaterThan(Date.parse(String(before)));
    expect((await api(simulator, "/v3/config/paths/list")).body.itemCount).toBe(0);
    expect((await api(simulator, "/v3/paths/list")).body.itemCount).toBe(0);
    expect(simulator.violations).toEqual([]);
  });

  // mediamtx.yml, runOnDemand: "Command to run when this path is requested by a reader and no
  // one is publishing to this path yet ... This is terminated with SIGINT when there are no
  // readers anymore"; runOnDemandCloseAfter: "The command will be closed when there are no
  // readers connected and this amount of time has passed."
  test("a runOnDemand path is not ready until a reader arrives, and not after the last leaves", async () => {
    const { agent, rpc } = await agentWithCamera();
    expect(agent.mediamtx.pathConfigs().get("camera0")?.runOnDemand).toContain("ffmpeg");
    const status = async () =>
      ((await rpc.result("get_stream_url", { device: "camera0" })) as { available: boolean })
        .available;
    expect(await status()).toBe(false);
    expect(agent.mediamtx.read("camera0")).toBe(true);
    expect(await status()).toBe(true);
    expect(agent.mediamtx.read("camera0")).toBe(true);
    agent.mediamtx.leave("camera0");
    expect(await status()).toBe(true);
    agent.mediamtx.leave("camera0");
    expect(await status()).toBe(false);
    // A path with neither a publisher nor a command has nothing to give a reader.
    const bare = new MediaMtxSimulator().start();
    cleanups.push(() => bare.stop());
    await api(bare, "/v3/config/paths/add/plain", {
      method: "POST",
      body: JSON.stringify({ source: "publisher" }),
    });
    expect(bare.read("plain")).toBe(false);
  });

  // mediamtx.yml, recordPath: "Path of recording segments. Extension is added automatically.
  // Available variables are %path (path name), %Y %m %d (year, month, day), %H %M %S (hours,
  // minutes, seconds), %f (microseconds) ..."; recordFormat: "fmp4" or "mpegts".
  test("recording writes segments named by the agent's recordPath, and the agent lists them", async () => {
    const { agent, rpc } = await agentWithCamera();
    const started = Date.now();
    await rpc.result("start_recording", { device: "camera0" });
    expect(agent.mediamtx.read("camera0")).toBe(true);
    const dir = join(agent.config.storage.root, "recordings");
    const files = await eventually(() => existsSync(dir) && readdirSync(dir));
    expect(files).toHaveLength(1);
    const name = files[0] as string;
    const match = /^camera0_(\d{4})-(\d\d)-(\d\d)_(\d\d)-(\d\d)-(\d\d)-(\d{6})\.mp4$/.exec(name);
    expect(match).not.toBeNull();
    const [, y, mo, d, h, mi, s, us] = (match ?? []).map(Number);
    const stamped = Date.UTC(y ?? 0, (mo ?? 1) - 1, d, h, mi, s, Math.floor((us ?? 0) / 1000));
    expect(Math.abs(stamped - started)).toBeLessThan(60_000);
    const listed = (await rpc.result("list_recordings", {})) as {
      files: Array<{ filename: string }>;
    };
    expect(listed.files.map((file) => file.filename)).toContain(name);
    agent.mediamtx.leave("camera0");
    await rpc.result("stop_recording", { device: "camera0" });
    expect(agent.mediamtx.violations).toEqual([]);
  });

  // MediaMTX's authMethod: http (mediamtx.yml: "the server calls this URL with the POST method
  // and a payload described in the documentation"; upstream internal/auth/manager.go,
  // authenticateHTTP): a JSON object with exactly ip, user, password, token, action, path,
  // protocol, id (a UUID or null) and query, all present; a 20x answer allows.
  test("the auth hook gets the exact body MediaMTX posts", async () => {
    const seen: Array<{ type: string | null; body: unknown }> = [];
    const hook = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(request) {
        seen.push({ type: request.headers.get("content-type"), body: await request.json() });
        return new Response(null, { status: seen.length === 1 ? 200 : 401 });
      },
    });
    cleanups.push(() => hook.stop(true));
    const simulator = new MediaMtxSimulator();
    const url = `http://127.0.0.1:${hook.port}/auth`;
    expect(await simulator.askAuth(url, { ip: "10.1.2.3", action: "read", path: "camera0" })).toBe(
      200,
    );
    expect(
      await simulator.askAuth(url, {
        ip: "127.0.0.1",
        action: "publish",
        user: "agent",
        password: "pw",
        path: "camera0",
        protocol: "rtsp",
        id: "5f3c6a3e-8d1b-4c27-9e55-3b8f2a7d9c41",
        query: "a=1",
      }),
    ).toBe(401);
    expect(seen[0]?.type).toBe("application/json");
    expect(Object.keys(seen[0]?.body as object)).toEqual([
      "ip",
      "user",
      "password",
      "token",
      "action",
      "path",
      "protocol",
      "id",
      "query",
    ]);
    expect(seen[0]?.body).toEqual({
      ip: "10.1.2.3",
      user: "",
      password: "",
      token: "",
      action: "read",
      path: "camera0",
      protocol: "",
      id: null,
      query: "",
    });
    expect(seen[1]?.body).toMatchObject({ id: "5f3c6a3e-8d1b-4c27-9e55-3b8f2a7d9c41" });
  });
});
