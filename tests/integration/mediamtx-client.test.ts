import { afterEach, describe, expect, test } from "bun:test";
import {
  MediaMtxClient,
  MediaMtxError,
  MediaMtxUnavailable,
} from "../../agent/src/mediamtx/client.ts";
import { MediaMtxSimulator, type SimulatorOptions } from "../support/mediamtx-simulator.ts";

const simulators: MediaMtxSimulator[] = [];
afterEach(() => {
  for (const simulator of simulators.splice(0)) {
    // Every request a test made was one MediaMTX's spec allows.
    expect(simulator.violations).toEqual([]);
    simulator.stop();
  }
});

function setup(options: SimulatorOptions = {}) {
  const simulator = new MediaMtxSimulator(options).start();
  simulators.push(simulator);
  const client = new MediaMtxClient({
    baseUrl: simulator.url,
    user: options.credentials?.user,
    password: options.credentials?.password,
  });
  return { simulator, client };
}

describe("the MediaMTX API simulator enforces the spec", () => {
  test("unknown endpoints, wrong verbs, unknown or mistyped fields and query parameters are refused and recorded", async () => {
    const simulator = new MediaMtxSimulator().start();
    try {
      const call = (method: string, path: string, body?: unknown) =>
        fetch(`${simulator.url}${path}`, {
          method,
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      expect((await call("GET", "/v3/nothing/here")).status).toBe(404);
      expect((await call("POST", "/v3/config/paths/patch/cam")).status).toBe(405);
      expect((await call("GET", "/v3/config/paths/delete/cam")).status).toBe(405);
      expect(
        (await call("POST", "/v3/config/paths/add/cam", { sourceOnDemand: "yes" })).status,
      ).toBe(400);
      expect(
        (await call("POST", "/v3/config/paths/add/cam", { recordFormats: "fmp4" })).status,
      ).toBe(400);
      expect((await call("POST", "/v3/config/paths/add/cam")).status).toBe(400);
      expect((await call("GET", "/v3/paths/list?pages=2")).status).toBe(400);
      expect((await call("DELETE", "/v3/recordings/deletesegment?path=cam")).status).toBe(400);
      expect(simulator.violations.map((violation) => violation.problem)).toEqual([
        "no such endpoint: /v3/nothing/here",
        "POST is not allowed on /v3/config/paths/patch/{name}",
        "GET is not allowed on /v3/config/paths/delete/{name}",
        "body.sourceOnDemand: expected a boolean",
        "body: unknown field recordFormats",
        "a JSON body is required",
        "unknown query parameter pages",
        "missing query parameter start",
      ]);
      expect(simulator.pathConfigs().size).toBe(0);
    } finally {
      simulator.stop();
    }
  });
});

describe("MediaMtxClient", () => {
  test("path configuration: add, list, patch only what differs, delete", async () => {
    const { simulator, client } = setup();
    await client.addPathConfig("camera0", {
      source: "publisher",
      runOnDemand: "ffmpeg -i /dev/video0",
      record: false,
    });
    const configured = async () =>
      (await client.listPathConfigs()).find((c) => c.name === "camera0");
    expect(await configured()).toEqual(
      expect.objectContaining({
        name: "camera0",
        source: "publisher",
        record: false,
        recordFormat: "fmp4",
      }),
    );
    await client.patchPathConfig("camera0", { record: true });
    expect((await configured())?.record).toBe(true);
    expect((await configured())?.runOnDemand).toBe("ffmpeg -i /dev/video0");
    expect((await client.listPathConfigs()).map((conf) => conf.name)).toEqual(["camera0"]);
    await client.deletePathConfig("camera0");
    expect(await configured()).toBeUndefined();
    await expect(client.deletePathConfig("camera0")).rejects.toEqual(
      new MediaMtxError(404, "path configuration not found"),
    );
    expect(simulator.calls).toContain("configPathsPatch");
  });

  test("runtime paths in one shape, from current fields or, for older releases, deprecated ones", async () => {
    for (const legacy of [false, true]) {
      const { simulator, client } = setup({ legacy });
      await client.addPathConfig("camera1", { source: "publisher" });
      expect(await client.getPath("camera1")).toEqual({
        name: "camera1",
        available: false,
        online: false,
        codecs: [],
        inboundBytes: 0,
        outboundBytes: 0,
        readers: 0,
        sourceType: undefined,
      });
      simulator.setAvailable("camera1", true, ["H264"]);
      expect(await client.listPaths()).toEqual([
        expect.objectContaining({
          name: "camera1",
          available: true,
          online: true,
          codecs: ["H264"],
          sourceType: "rtspSession",
        }),
      ]);
      expect(await client.getPath("nope")).toBeUndefined();
    }
  });

  test("lists are read page by page", async () => {
    const { client } = setup();
    for (let i = 0; i < 230; i++) await client.addPathConfig(`cam${i}`, { source: "publisher" });
    expect((await client.listPathConfigs()).length).toBe(230);
    expect((await client.listPaths()).length).toBe(230);
  });

  test("global config and info", async () => {
    const { simulator, client } = setup();
    expect((await client.getGlobalConfig()).rtspAddress).toBe(":8554");
    expect(await client.info()).toEqual({ version: "v1.20.1", started: simulator.started });
  });

  test("credentials are sent; wrong ones get a 401 MediaMtxError", async () => {
    const { simulator, client } = setup({
      credentials: { user: "agent", password: "secret-secret-secret" },
    });
    expect((await client.info()).version).toBe("v1.20.1");
    const wrong = new MediaMtxClient({ baseUrl: simulator.url, user: "agent", password: "nope" });
    await expect(wrong.info()).rejects.toEqual(new MediaMtxError(401, "authentication error"));
  });

  test("a MediaMTX that is down is MediaMtxUnavailable, quickly; a restart shows in info().started", async () => {
    const { simulator, client } = setup();
    await client.addPathConfig("camera0", { source: "publisher" });
    const before = (await client.info()).started;
    simulator.stop();
    const started = performance.now();
    await expect(client.info()).rejects.toBeInstanceOf(MediaMtxUnavailable);
    expect(performance.now() - started).toBeLessThan(3000);
    simulator.restart();
    expect((await client.info()).started).not.toBe(before);
    expect(await client.listPathConfigs()).toEqual([]);
  });
});
