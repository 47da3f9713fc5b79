// The one reconcile loop: streaming, recording and hot-plug changes arriving at once from
// three sockets and discovery never make two applies overlap. Overlapping applies both add a
// missing path, MediaMTX answers the second with 400 "path already exists", and the caller got
// a false -32050 (and an undo of a path that had been applied).
import { afterEach, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { agentOnCamera } from "../support/agent-on-camera.ts";
import { oneCameraWorld } from "../support/fake-v4l.ts";
import { RpcClient } from "../support/rpc-client.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const ROUNDS = 200;

describe("one reconcile loop", () => {
  test(`${ROUNDS} rounds of start/stop_streaming, start/stop_recording and plug/unplug at once: no 400 from MediaMTX, no -32050`, async () => {
    const v4l = oneCameraWorld("OVERLAP", cleanups);
    const { agent, rpc: streamer } = await agentOnCamera(v4l, cleanups, "operator", {
      state: { dir: join(v4l.dir, "state") },
    });
    const connect = async () => {
      const client = await RpcClient.connect(agent.wsUrl);
      cleanups.push(async () => void (await client.close()));
      await client.authenticate(agent.token("operator"));
      return client;
    };
    const recorder = await connect();
    const second = await connect();
    const discovery = agent.agent.discovery;
    if (!discovery) throw new Error("USB discovery is off");

    const codes = new Map<string, number>();
    const count = (what: string, reply: { error?: { code: number } }) => {
      const key = `${what} ${reply.error ? reply.error.code : "ok"}`;
      codes.set(key, (codes.get(key) ?? 0) + 1);
    };
    for (let round = 0; round < ROUNDS; round++) {
      const on = round % 2 === 0;
      if (on) {
        v4l.plug({
          node: "video2",
          port: "1-2",
          serial: "OVERLAP-2",
          probe: { fixture: "uvc-mjpeg-yuyv.txt" },
        });
      } else {
        v4l.unplug("video2");
      }
      await Promise.all([
        streamer
          .call(on ? "start_streaming" : "stop_streaming", { device: "camera0" })
          .then((reply) => count("streaming camera0", reply)),
        recorder
          .call(on ? "start_recording" : "stop_recording", { device: "camera0" })
          .then((reply) => count("recording camera0", reply)),
        // camera1 comes and goes under this socket's feet: -32020 when it is away is right.
        second
          .call("start_streaming", { device: "camera1" })
          .then((reply) => count("streaming camera1", reply)),
        discovery.reconcile(),
      ]);
    }
    const seen = Object.fromEntries(codes);
    console.log(`reconcile overlap, ${ROUNDS} rounds: ${JSON.stringify(seen)}`);
    expect(agent.mediamtx.refusals.filter((refusal) => refusal.status === 400)).toEqual([]);
    expect(Object.keys(seen).filter((key) => key.endsWith("-32050"))).toEqual([]);
    // camera0's own calls never fail: the agent serialises, it does not refuse.
    expect(seen["streaming camera0 ok"]).toBe(ROUNDS);
    expect(seen["recording camera0 ok"]).toBe(ROUNDS);
    // The end state is what the last changes asked for.
    await agent.agent.mediamtx.loop.request();
    const confs = agent.mediamtx.pathConfigs();
    expect(confs.get("camera0")?.record).toBe(false);
    expect(confs.has("camera1")).toBe(false);
  }, 240_000);
});
