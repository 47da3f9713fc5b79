// The low-space guard on a real, small filesystem (a 2 MiB tmpfs) that the test fills.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../support/eventually.ts";
import { FakeV4l } from "../support/fake-v4l.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

const dir = mkdtempSync(join(tmpdir(), "camera-agent-full-"));
const media = join(dir, "media");
let agent: TestAgent;
let operator: RpcClient;

beforeAll(async () => {
  mkdirSync(media);
  const mounted = Bun.spawnSync(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", media]);
  if (mounted.exitCode !== 0)
    throw new Error(`cannot mount a tmpfs for the test: ${mounted.stderr}`);
  const v4l = new FakeV4l(join(dir, "v4l"));
  v4l.plug({
    node: "video0",
    port: "1-1",
    serial: "FULL",
    probe: { fixture: "uvc-mjpeg-yuyv.txt" },
  });
  agent = await startTestAgent({
    storage: { root: media, block_percent: 90, guard_interval: "200ms" },
    discovery: { usb: v4l.config({ mode: "poll", poll_interval: "1h" }) },
  });
  operator = await RpcClient.connect(agent.wsUrl);
  await operator.authenticate(agent.token("operator"));
  await eventually(() => agent.mediamtx.pathConfigs().has("camera0"));
});
afterAll(async () => {
  await operator.close();
  await agent.stop();
  Bun.spawnSync(["umount", media]);
  rmSync(dir, { recursive: true, force: true });
});

describe("low-space guard", () => {
  test("a filling disk stops the running recording with a notification, and refuses new media with storage_full", async () => {
    await operator.result("start_recording", { device: "camera0" });
    expect(agent.mediamtx.pathConfigs().get("camera0")?.record).toBe(true);
    // Fill the volume to ~95 %.
    writeFileSync(join(media, "filler"), Buffer.alloc(Math.floor(1.9 * 1024 * 1024)));

    await eventually(() => agent.mediamtx.pathConfigs().get("camera0")?.record === false);
    const seen: Array<{ method?: string; params?: Record<string, unknown> }> = [];
    const stopped = await eventually(() => {
      seen.push(...(operator.drainInbox() as typeof seen));
      return seen.find(
        (message) =>
          message.method === "recording_status_update" && message.params?.status === "STOPPED",
      );
    });
    expect(stopped.params).toEqual(
      expect.objectContaining({ device: "camera0", reason: "storage_full" }),
    );

    for (const [method, params] of [
      ["start_recording", { device: "camera0" }],
      ["take_snapshot", { device: "camera0" }],
    ] as const) {
      const reply = await operator.call(method, params);
      expect({ method, error: reply.error }).toEqual({
        method,
        error: expect.objectContaining({
          code: -32020,
          data: expect.objectContaining({
            reason: "storage_full",
            state: "STORAGE_FULL",
            used_percent: expect.any(Number),
          }),
        }),
      });
    }
    rmSync(join(media, "filler"));
    await operator.result("start_recording", { device: "camera0" });
    await operator.result("stop_recording", { device: "camera0" });
  });
});
