import { afterAll, beforeAll, expect, test } from "bun:test";
import { agentOnCamera } from "../support/agent-on-camera.ts";
import { eventually } from "../support/eventually.ts";
import { oneCameraWorld } from "../support/fake-v4l.ts";
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

test("a session that stops reading broadcasts is cut off and counted; the others keep hearing them", async () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  try {
    const { agent: camera, rpc: admin } = await agentOnCamera(
      oneCameraWorld("SLOW1", cleanups),
      cleanups,
      "admin",
      { limits: { send_buffer_bytes: 64 * 1024, requests_per_minute: 100_000_000 } },
    );
    const { socket } = await rawUpgrade(camera.agent.port, "/ws");
    socket.on("error", () => {});
    socket.write(
      maskedTextFrame(
        JSON.stringify({
          jsonrpc: "2.0",
          method: "authenticate",
          params: { auth_token: camera.token("viewer") },
          id: 1,
        }),
      ),
    );
    const listening = () =>
      fetch(`${camera.httpUrl}/metrics`)
        .then((response) => response.text())
        .then((text) => text.includes("camera_agent_websocket_connections 2"));
    await eventually(listening);
    const cutOff = () => camera.logs.some((line) => line.includes("slow consumer disconnected"));
    // Every rename is a camera_status_update (~1 KB) to every session; the raw socket reads
    // none; the loopback socket's kernel buffers take the first few MB (cut off after ~280
    // batches here). Bounded: at most 1,500 batches of 50 renames (~20 MB) before giving up.
    let batches = 0;
    while (!cutOff() && batches < 1500) {
      const batch = Array.from({ length: 50 }, (_, i) => ({
        method: "update_camera",
        params: { device: "camera0", name: `Flood ${batches}-${i} ${"x".repeat(40)}` },
      }));
      await Promise.all(batch.map(({ method, params }) => admin.call(method, params)));
      batches++;
    }
    expect(cutOff()).toBe(true);
    const ended = new Promise((resolve) => socket.once("close", resolve));
    socket.resume();
    await ended;
    admin.drainInbox();
    await admin.result("update_camera", { device: "camera0", name: "After the flood" });
    await eventually(() =>
      admin.drainInbox().some((message) => JSON.stringify(message).includes("After the flood")),
    );
    const metrics = await (await fetch(`${camera.httpUrl}/metrics`)).text();
    expect(metrics).toContain("camera_agent_websocket_slow_consumers_total 1");
    expect(metrics).toContain("camera_agent_websocket_connections 1");
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
});
