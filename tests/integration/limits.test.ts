import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { upgradeStatus } from "../support/raw-upgrade.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

let agent: TestAgent;

beforeAll(async () => {
  agent = await startTestAgent({
    limits: {
      max_frame_bytes: 64 * 1024,
      requests_per_minute: 10,
      max_batch: 3,
      max_connections: 3,
    },
  });
});
afterAll(async () => {
  await agent.stop();
});

describe("message size", () => {
  test("a frame over the limit gets -32600 with its id, and the socket stays usable", async () => {
    const client = await RpcClient.connect(agent.wsUrl);
    const big = JSON.stringify({
      jsonrpc: "2.0",
      method: "ping",
      params: { pad: "x".repeat(100_000) },
      id: 4242,
    });
    client.sendRaw(big);
    const reply = (await client.next()) as {
      id: unknown;
      error: { code: number; data: { reason: string } };
    };
    expect(reply.id).toBe(4242);
    expect(reply.error.code).toBe(-32600);
    expect(reply.error.data.reason).toBe("frame_too_large");
    expect(await client.result("ping")).toBe("pong");
    await client.close();
  });

  test("a frame beyond twice the limit closes the socket with 1009", async () => {
    const client = await RpcClient.connect(agent.wsUrl);
    client.sendRaw("x".repeat(200 * 1024));
    expect((await client.closed).code).toBe(1009);
  });
});

describe("per-socket rate limit", () => {
  test("over the limit answers -32040 with retry_after_ms; ping stays exempt", async () => {
    const client = await RpcClient.connect(agent.wsUrl);
    const replies = await Promise.all(
      Array.from({ length: 12 }, () => client.call("get_server_info")),
    );
    const limited = replies.filter((reply) => reply.error?.code === -32040);
    expect(limited.length).toBe(2);
    expect(limited[0]?.error?.message).toBe("Rate limited");
    expect(limited[0]?.error?.data?.retry_after_ms).toBeGreaterThan(0);
    const pings = await Promise.all(Array.from({ length: 30 }, () => client.call("ping")));
    expect(pings.every((reply) => reply.result === "pong")).toBe(true);
    await client.close();
    const fresh = await RpcClient.connect(agent.wsUrl);
    expect((await fresh.call("get_server_info")).error?.code).toBe(-32001);
    await fresh.close();
  });
});

describe("batches", () => {
  test("a batch over max_batch is refused whole with one -32600", async () => {
    const client = await RpcClient.connect(agent.wsUrl);
    const call = (id: number) => ({ jsonrpc: "2.0", method: "ping", id });
    client.sendRaw(JSON.stringify([call(101), call(102), call(103), call(104)]));
    const reply = (await client.next()) as { error: { code: number; data: { reason: string } } };
    expect(reply.error.code).toBe(-32600);
    expect(reply.error.data.reason).toBe("batch_too_large");
    client.sendRaw(JSON.stringify([call(105), call(106), call(107)]));
    expect(await client.next()).toHaveLength(3);
    await client.close();
  });
});

describe("admission", () => {
  test("connections over max_connections get HTTP 503", async () => {
    const clients = await Promise.all([1, 2, 3].map(() => RpcClient.connect(agent.wsUrl)));
    expect(await upgradeStatus(agent.agent.port, "/ws")).toBe(503);
    await clients[0]?.close();
    // The freed slot is usable once the server has processed the close; poll, bounded.
    let replacement: RpcClient | undefined;
    for (let tries = 0; !replacement && tries < 100; tries++) {
      replacement = await RpcClient.connect(agent.wsUrl).catch(() =>
        Bun.sleep(20).then(() => undefined),
      );
    }
    if (!replacement) throw new Error("slot never freed");
    expect(await replacement.result("ping")).toBe("pong");
    await Promise.all([replacement, ...clients.slice(1)].map((client) => client?.close()));
    const metrics = await (await fetch(`${agent.httpUrl}/metrics`)).text();
    expect(metrics).toContain('camera_agent_websocket_rejected_total{reason="limit"} 1');
  });

  test("browser origins are checked; clients without Origin are admitted", async () => {
    expect(await upgradeStatus(agent.agent.port, "/ws", { Origin: "http://evil.example" })).toBe(
      403,
    );
    expect(await upgradeStatus(agent.agent.port, "/ws", { Origin: "http://localhost:3000" })).toBe(
      101,
    );
    expect(await upgradeStatus(agent.agent.port, "/ws")).toBe(101);
  });

  test("a plain GET on the WebSocket path says upgrade required", async () => {
    const response = await fetch(`${agent.httpUrl}/ws`);
    expect(response.status).toBe(426);
  });
});
