import type { Role } from "../../agent/src/auth/roles.ts";
import { eventually } from "./eventually.ts";
import type { FakeV4l } from "./fake-v4l.ts";
import { RpcClient } from "./rpc-client.ts";
import { startTestAgent, type TestAgent } from "./test-agent.ts";

/**
 * An agent discovering `v4l`'s cameras (polling; the tests plug and probe by hand), a session
 * authenticated as `role`, once camera0's MediaMTX path exists; `cleanups` closes and stops.
 */
export async function agentOnCamera(
  v4l: FakeV4l,
  cleanups: Array<() => Promise<void> | void>,
  role: Role,
  config: Record<string, unknown> = {},
): Promise<{ agent: TestAgent; rpc: RpcClient }> {
  const agent = await startTestAgent({
    ...config,
    discovery: { usb: v4l.config({ mode: "poll", poll_interval: "1h" }) },
  });
  cleanups.push(() => agent.stop());
  const rpc = await RpcClient.connect(agent.wsUrl);
  cleanups.push(async () => void (await rpc.close()));
  await rpc.authenticate(agent.token(role));
  await eventually(() => agent.mediamtx.pathConfigs().has("camera0"));
  return { agent, rpc };
}
