// subscribe_events is bounded: a viewer cannot grow the agent's memory by subscribing to ever
// new topics or sending huge filter objects, and topic names are never object keys with a
// prototype behind them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

let agent: TestAgent;
beforeAll(async () => {
  agent = await startTestAgent();
});
afterAll(async () => {
  await agent.stop();
});

async function viewer(): Promise<RpcClient> {
  const client = await RpcClient.connect(agent.wsUrl);
  await client.authenticate(agent.token("viewer"));
  return client;
}

const topics = (from: number, count: number) =>
  Array.from({ length: count }, (_, i) => `custom.topic${from + i}`);

describe("subscribe_events limits", () => {
  test("at most 64 topics per session, across calls; the refusal names the limit and changes nothing", async () => {
    const client = await viewer();
    try {
      expect(
        (await client.call("subscribe_events", { topics: topics(0, 40) })).error,
      ).toBeUndefined();
      // Re-subscribing to held topics takes no room.
      expect(
        (await client.call("subscribe_events", { topics: topics(0, 40) })).error,
      ).toBeUndefined();
      const over = await client.call("subscribe_events", { topics: topics(40, 25) });
      expect(over.error?.code).toBe(-32602);
      expect(over.error?.data?.param).toBe("topics");
      expect(String(over.error?.data?.details)).toContain("at most 64 topics");
      const stats = (await client.result("get_subscription_stats")) as { client_topics: string[] };
      expect(stats.client_topics).toHaveLength(40);
      expect(
        (await client.call("subscribe_events", { topics: topics(40, 24) })).error,
      ).toBeUndefined();
      await client.result("unsubscribe_events", { topics: topics(0, 10) });
      expect(
        (await client.call("subscribe_events", { topics: topics(64, 10) })).error,
      ).toBeUndefined();
    } finally {
      await client.close();
    }
  });

  test("filters: at most 16 keys, keys up to 64 characters, string values up to 256", async () => {
    const client = await viewer();
    try {
      const many = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, i]));
      const tooMany = await client.call("subscribe_events", {
        topics: ["camera.connected"],
        filters: many,
      });
      expect(tooMany.error?.code).toBe(-32602);
      expect(tooMany.error?.data?.param).toBe("filters");
      const longKey = await client.call("subscribe_events", {
        topics: ["camera.connected"],
        filters: { ["k".repeat(65)]: 1 },
      });
      expect(longKey.error?.code).toBe(-32602);
      const longValue = await client.call("subscribe_events", {
        topics: ["camera.connected"],
        filters: { device: "x".repeat(257) },
      });
      expect(longValue.error?.code).toBe(-32602);
      const fine = await client.call("subscribe_events", {
        topics: ["camera.connected"],
        filters: { device: "camera0" },
      });
      expect(fine.error).toBeUndefined();
    } finally {
      await client.close();
    }
  });

  test("topic names that are Object.prototype's own names are counted like any other", async () => {
    const client = await viewer();
    try {
      const names = ["constructor", "__proto__", "toString", "valueOf"];
      await client.result("subscribe_events", { topics: names });
      const stats = (await client.result("get_subscription_stats")) as {
        global_stats: { topic_counts: Record<string, number> };
      };
      for (const name of names)
        expect({ name, count: stats.global_stats.topic_counts[name] }).toEqual({ name, count: 1 });
    } finally {
      await client.close();
    }
  });
});
