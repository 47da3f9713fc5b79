import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

let agent: TestAgent;
let admin: RpcClient;
const DAY = 86_400;

/** A media file of `bytes` bytes last written `ageDays` days ago. */
function file(
  kind: "recordings" | "snapshots",
  name: string,
  bytes: number,
  ageDays: number,
): string {
  const path = join(agent.config.storage.root, kind, name);
  mkdirSync(join(agent.config.storage.root, kind), { recursive: true });
  writeFileSync(path, Buffer.alloc(bytes));
  const when = Date.now() / 1000 - ageDays * DAY;
  utimesSync(path, when, when);
  return path;
}

beforeAll(async () => {
  agent = await startTestAgent();
  admin = await RpcClient.connect(agent.wsUrl);
  await admin.authenticate(agent.token("admin"));
});
afterAll(async () => {
  await admin.close();
  await agent.stop();
});

describe("storage", () => {
  test("get_storage_info: the volume's real figures and what media uses", async () => {
    file("recordings", "camera0_2026-01-01_00-00-00-000001.mp4", 3000, 1);
    file("snapshots", "camera0_2026-01-01_00-00-00.jpg", 500, 1);
    const info = (await admin.result("get_storage_info")) as Record<string, number | boolean>;
    expect(info).toEqual({
      total_space: expect.any(Number),
      used_space: expect.any(Number),
      available_space: expect.any(Number),
      recordings_size: 3000,
      snapshots_size: 500,
      usage_percentage: expect.any(Number),
      low_space_warning: expect.any(Boolean),
    });
    expect(info.total_space as number).toBeGreaterThan(info.used_space as number);
    const viewer = await RpcClient.connect(agent.wsUrl);
    await viewer.authenticate(agent.token("viewer"));
    expect((await viewer.call("get_storage_info")).error?.code).toBe(-32002);
    await viewer.close();
  });

  test("set_retention_policy validates and is kept; the default is 30 days by age", async () => {
    for (const bad of [
      { policy_type: "forever", enabled: true },
      { policy_type: "age", enabled: true },
      { policy_type: "size", enabled: true, max_size_gb: 0 },
      { policy_type: "age", enabled: "yes", max_age_days: 3 },
      { policy_type: "age", enabled: true, max_age_days: 1.5 },
    ]) {
      expect({ bad, code: (await admin.call("set_retention_policy", bad)).error?.code }).toEqual({
        bad,
        code: -32602,
      });
    }
    expect(agent.agent.services.retention.policy()).toEqual({
      policy_type: "age",
      enabled: true,
      max_age_days: 30,
    });
    expect(
      await admin.result("set_retention_policy", {
        policy_type: "age",
        enabled: true,
        max_age_days: 7,
      }),
    ).toEqual({
      policy_type: "age",
      enabled: true,
      max_age_days: 7,
      message: "retention policy set: age",
    });
    expect(agent.agent.services.retention.policy().max_age_days).toBe(7);
  });

  test("cleanup by age deletes what is older; by size the oldest first until it fits; manual does nothing", async () => {
    const old = file("recordings", "camera0_2025-01-01_00-00-00-000001.mp4", 1000, 40);
    const older = file("snapshots", "camera1_2025-01-01_00-00-00.jpg", 100, 50);
    const recent = file("recordings", "camera0_2026-11-01_00-00-00-000001.mp4", 1000, 2);
    const live = file("recordings", "camera0_2026-11-21_00-00-00-000001.mp4", 1000, 0);
    await admin.result("set_retention_policy", {
      policy_type: "age",
      enabled: true,
      max_age_days: 30,
    });
    expect(await admin.result("cleanup_old_files")).toEqual({
      cleanup_executed: true,
      files_deleted: 2,
      space_freed: 1100,
      message: "2 file(s) deleted under the age policy",
    });
    expect([existsSync(old), existsSync(older), existsSync(recent), existsSync(live)]).toEqual([
      false,
      false,
      true,
      true,
    ]);

    await admin.result("set_retention_policy", {
      policy_type: "size",
      enabled: true,
      max_size_gb: 0.000002,
    });
    const bySize = (await admin.result("cleanup_old_files")) as { files_deleted: number };
    expect(bySize.files_deleted).toBeGreaterThan(0);
    // The file being written (last minute) survives even a size policy it exceeds.
    expect(existsSync(live)).toBe(true);
    expect(existsSync(recent)).toBe(false);

    await admin.result("set_retention_policy", { policy_type: "manual", enabled: true });
    expect(await admin.result("cleanup_old_files")).toEqual(
      expect.objectContaining({
        cleanup_executed: false,
        files_deleted: 0,
        message: "retention is manual",
      }),
    );
  });
});
