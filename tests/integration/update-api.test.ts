// A/B updates through the API on a machine that is no A/B image (no RAUC system.conf): the
// status says so, installs are refused with the reason, and the parameters and roles are
// checked like every method's. The A/B image itself is tested in tests/e2e/update-x86-64.
import { afterEach, describe, expect, test } from "bun:test";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function session(
  agent: TestAgent,
  role: "admin" | "operator" | "viewer",
): Promise<RpcClient> {
  const client = await RpcClient.connect(agent.wsUrl);
  cleanups.push(async () => void (await client.close()));
  await client.authenticate(agent.token(role));
  return client;
}

describe("updates through the API, on an installer host", () => {
  test("get_update_status says there are no A/B slots; install_update is refused with the reason", async () => {
    const agent = await startTestAgent();
    cleanups.push(() => agent.stop());
    const viewer = await session(agent, "viewer");
    expect(await viewer.result("get_update_status")).toEqual({
      supported: false,
      reason: "this system is not an A/B image (no RAUC); update it with install.sh",
    });
    const admin = await session(agent, "admin");
    const refused = await admin.call("install_update", { source: "/var/tmp/update.raucb" });
    expect(refused.error?.message).toBe("Unsupported");
    expect(JSON.stringify(refused.error?.data)).toContain("not an A/B image");
  });

  test("install_update: admin only, and the source must be an absolute path or an https URL", async () => {
    const agent = await startTestAgent();
    cleanups.push(() => agent.stop());
    const operator = await session(agent, "operator");
    expect((await operator.call("install_update", { source: "/x.raucb" })).error?.code).toBe(
      -32002,
    );
    const admin = await session(agent, "admin");
    for (const source of ["update.raucb", "http://example.com/x.raucb", "../etc/passwd", ""]) {
      const reply = await admin.call("install_update", { source });
      expect(reply.error?.code).toBe(-32602);
      expect(JSON.stringify(reply.error?.data)).toContain("source");
    }
    const extra = await admin.call("install_update", { source: "/x.raucb", reboot: "yes" });
    expect(extra.error?.code).toBe(-32602);
  });
});
