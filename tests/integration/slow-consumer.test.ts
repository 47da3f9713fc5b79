import { afterAll, beforeAll, expect, test } from "bun:test";
import { maskedTextFrame, rawUpgrade } from "../support/raw-upgrade.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

let agent: TestAgent;

beforeAll(async () => {
  agent = await startTestAgent({
    limits: { send_buffer_bytes: 64 * 1024, requests_per_minute: 100_000_000 },
  });
});
afterAll(async () => {
  await agent.stop();
});

test("a client that stops reading its replies is disconnected; others are unaffected", async () => {
  const { status, socket } = await rawUpgrade(agent.agent.port, "/ws");
  expect(status).toBe(101);
  socket.on("error", () => {});
  const cutOff = () => agent.logs.some((line) => line.includes("slow consumer disconnected"));
  // Each frame asks for ~25 KB of replies; the socket never reads them. Bounded: at most
  // 4,000 frames (~100 MB of replies) before the test gives up.
  const batch = JSON.stringify(
    Array.from({ length: 100 }, (_, i) => ({ jsonrpc: "2.0", method: "get_status", id: i })),
  );
  const frame = maskedTextFrame(batch);
  let sent = 0;
  while (!cutOff() && sent < 4000) {
    if (!socket.write(frame)) {
      await Promise.race([new Promise((resolve) => socket.once("drain", resolve)), Bun.sleep(200)]);
    }
    sent++;
    if (sent % 50 === 0) await Bun.sleep(1);
  }
  expect(cutOff()).toBe(true);
  expect(sent).toBeLessThan(4000);
  const ended = new Promise((resolve) => socket.once("close", resolve));
  socket.resume();
  await ended;

  const healthy = await RpcClient.connect(agent.wsUrl);
  expect(await healthy.result("ping")).toBe("pong");
  const metrics = await (await fetch(`${agent.httpUrl}/metrics`)).text();
  expect(metrics).toContain("camera_agent_websocket_connections 1");
  expect(metrics).toContain("camera_agent_websocket_slow_consumers_total 1");
  await healthy.close();
});
