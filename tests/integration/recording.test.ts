// Recording through MediaMTX's recorder: the agent decides, persists and re-applies `record`.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { agentOnCamera } from "../support/agent-on-camera.ts";
import { eventually } from "../support/eventually.ts";
import { type FakeV4l, oneCameraWorld } from "../support/fake-v4l.ts";
import { RpcClient } from "../support/rpc-client.ts";
import type { TestAgent } from "../support/test-agent.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const world = () => oneCameraWorld("REC", cleanups);

async function agentIn(
  v4l: FakeV4l,
  mediamtx: Record<string, unknown> = {},
): Promise<{ agent: TestAgent; operator: RpcClient }> {
  const { agent, rpc } = await agentOnCamera(v4l, cleanups, "operator", {
    state: { dir: join(v4l.dir, "state") },
    ...(Object.keys(mediamtx).length > 0 ? { mediamtx } : {}),
  });
  return { agent, operator: rpc };
}

const recordFlag = (agent: TestAgent) => agent.mediamtx.pathConfigs().get("camera0")?.record;

describe("recording", () => {
  test("a MediaMTX crash is noticed without waiting for a periodic check; once back, the path and the running recording are applied again", async () => {
    // No periodic check within the test: only the held connection's closing can tell.
    const { agent, operator } = await agentIn(world(), { health_interval: "1h" });
    await operator.result("start_recording", { device: "camera0" });
    expect(recordFlag(agent)).toBe(true);
    const monitor = agent.agent.mediamtx.probe;
    agent.mediamtx.crash();
    await eventually(() => monitor.state === "down");
    // Down for many retries: no backoff may grow past a useful recovery time.
    await Bun.sleep(3_000);
    agent.mediamtx.restartAfterCrash();
    await eventually(() => recordFlag(agent) === true);
    expect(monitor.state).toBe("up");
  });

  test("the segment being written cannot be deleted; older ones and stopped ones can", async () => {
    const { agent, operator } = await agentIn(world());
    const admin = await RpcClient.connect(agent.wsUrl);
    cleanups.push(async () => void (await admin.close()));
    await admin.authenticate(agent.token("admin"));
    await operator.result("start_recording", { device: "camera0" });
    const dir = join(agent.config.storage.root, "recordings");
    mkdirSync(dir, { recursive: true });
    const old = "camera0_2026-01-01_00-00-00-000001.mp4";
    const current = "camera0_2026-01-01_01-00-00-000001.mp4";
    writeFileSync(join(dir, old), "old");
    utimesSync(join(dir, old), 1_700_000_000, 1_700_000_000);
    writeFileSync(join(dir, current), "being written");
    const refused = await admin.call("delete_recording", { filename: current });
    expect(refused.error).toEqual(
      expect.objectContaining({
        code: -32020,
        data: expect.objectContaining({ state: "RECORDING" }),
      }),
    );
    expect((await admin.result("delete_recording", { filename: old })) as object).toEqual(
      expect.objectContaining({ deleted: true }),
    );
    await operator.result("stop_recording", { device: "camera0" });
    expect((await admin.result("delete_recording", { filename: current })) as object).toEqual(
      expect.objectContaining({ deleted: true }),
    );
  });

  test("start sets MediaMTX's record flag and tells every session; stop clears it; both refuse the wrong state", async () => {
    const { agent, operator } = await agentIn(world());
    const started = (await operator.result("start_recording", { device: "camera0" })) as Record<
      string,
      string
    >;
    expect(started).toEqual({
      device: "camera0",
      filename: expect.stringMatching(/^camera0_\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d$/),
      status: "RECORDING",
      start_time: expect.stringMatching(/Z$/),
      format: "fmp4",
    });
    expect(recordFlag(agent)).toBe(true);
    const seen: unknown[] = [];
    const update = await eventually(() => {
      seen.push(...operator.drainInbox());
      return seen.find(
        (message) => (message as { method?: string }).method === "recording_status_update",
      );
    });
    expect(update).toEqual({
      jsonrpc: "2.0",
      method: "recording_status_update",
      params: { device: "camera0", filename: started.filename, duration: 0, status: "RECORDING" },
    });
    const again = await operator.call("start_recording", { device: "camera0" });
    expect(again.error).toEqual(
      expect.objectContaining({
        code: -32020,
        data: expect.objectContaining({ state: "RECORDING" }),
      }),
    );

    const stopped = (await operator.result("stop_recording", { device: "camera0" })) as Record<
      string,
      unknown
    >;
    expect(stopped).toEqual(
      expect.objectContaining({
        device: "camera0",
        status: "STOPPED",
        format: "fmp4",
        duration: expect.any(Number),
        file_size: 0,
      }),
    );
    expect(recordFlag(agent)).toBe(false);
    expect((await operator.call("stop_recording", { device: "camera0" })).error?.code).toBe(-32020);
  });

  test("start_recording racing for one camera: one starts it, the others get -32020 already recording", async () => {
    const { agent, operator } = await agentIn(world());
    const second = await RpcClient.connect(agent.wsUrl);
    cleanups.push(async () => void (await second.close()));
    await second.authenticate(agent.token("operator"));
    // A batch of three on one socket and one more from another session, all at once.
    operator.sendRaw(
      JSON.stringify(
        [1, 2, 3].map((id) => ({
          jsonrpc: "2.0",
          id: `batch-${id}`,
          method: "start_recording",
          params: { device: "camera0" },
        })),
      ),
    );
    const other = await second.call("start_recording", { device: "camera0" });
    const batch = (await eventually(async () => {
      const message = await operator.next();
      return Array.isArray(message) ? message : undefined;
    })) as Array<{ result?: unknown; error?: { code: number; data?: { state?: string } } }>;
    const replies = [...batch, other];
    expect(replies.filter((reply) => reply.result !== undefined)).toHaveLength(1);
    const refusals = replies.filter((reply) => reply.error !== undefined);
    expect(refusals.map((reply) => [reply.error?.code, reply.error?.data?.state])).toEqual([
      [-32020, "RECORDING"],
      [-32020, "RECORDING"],
      [-32020, "RECORDING"],
    ]);
    expect(recordFlag(agent)).toBe(true);
  });

  test("a timed recording stops by itself", async () => {
    const { agent, operator } = await agentIn(world());
    await operator.result("start_recording", { device: "camera0", duration: 1 });
    expect(recordFlag(agent)).toBe(true);
    await eventually(() => recordFlag(agent) === false);
    const messages: Array<{ method?: string; params?: { status: string } }> = [];
    await eventually(() => {
      messages.push(...(operator.drainInbox() as typeof messages));
      return messages.some(
        (message) =>
          message.method === "recording_status_update" && message.params?.status === "STOPPED",
      );
    });
    expect((await operator.call("stop_recording", { device: "camera0" })).error?.code).toBe(-32020);
  });

  test("a recording survives a MediaMTX restart and an agent restart", async () => {
    const v4l = world();
    const first = await agentIn(v4l);
    await first.operator.result("start_recording", { device: "camera0", duration: 3600 });
    first.agent.mediamtx.restart();
    await eventually(() => recordFlag(first.agent) === true);
    await first.operator.close();
    await first.agent.stop();
    cleanups.length = 1;
    const second = await agentIn(v4l);
    await eventually(() => recordFlag(second.agent) === true);
    expect(await second.operator.result("stop_recording", { device: "camera0" })).toEqual(
      expect.objectContaining({ status: "STOPPED" }),
    );
  });

  test("bad requests: viewer role, mkv, bad durations, unknown or disconnected camera", async () => {
    const v4l = world();
    const { agent, operator } = await agentIn(v4l);
    const viewer = await RpcClient.connect(agent.wsUrl);
    cleanups.push(async () => void (await viewer.close()));
    await viewer.authenticate(agent.token("viewer"));
    expect((await viewer.call("start_recording", { device: "camera0" })).error?.code).toBe(-32002);
    expect(
      (await operator.call("start_recording", { device: "camera0", format: "mkv" })).error?.code,
    ).toBe(-32030);
    for (const duration of ["invalid_duration", 0, 86_401, 1.5]) {
      expect(
        (await operator.call("start_recording", { device: "camera0", duration })).error?.code,
      ).toBe(-32602);
    }
    expect((await operator.call("start_recording", { device: "camera5" })).error?.code).toBe(
      -32010,
    );
    v4l.unplug("video0");
    await agent.agent.discovery?.reconcile();
    const disconnected = await operator.call("start_recording", { device: "camera0" });
    expect(disconnected.error).toEqual(
      expect.objectContaining({
        code: -32020,
        data: expect.objectContaining({ state: "DISCONNECTED" }),
      }),
    );
  });
});
