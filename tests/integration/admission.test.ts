// Sockets that never authenticate cannot hold the agent's connection slots (issue 17, item 3).
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { Socket } from "node:net";
import { rawUpgrade } from "../support/raw-upgrade.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

let agent: TestAgent;
const held: Socket[] = [];

beforeAll(async () => {
  agent = await startTestAgent({
    server: { auth_timeout: "1s" },
    limits: { max_connections: 6, max_unauthenticated: 3, max_unauthenticated_per_address: 2 },
  });
});
afterAll(async () => {
  for (const socket of held) socket.destroy();
  await agent.stop();
});

/** Opens a socket that sends nothing (its upgrade status, the socket kept open). */
async function silent(from = "127.0.0.1"): Promise<number> {
  const { status, socket } = await rawUpgrade(agent.agent.port, "/ws", {}, from);
  held.push(socket);
  return status;
}

function releaseHeld(): void {
  for (const socket of held.splice(0)) socket.destroy();
}

test("unauthenticated sockets: capped per address and in total; authenticated sessions keep the rest of the slots", async () => {
  expect(await silent()).toBe(101);
  expect(await silent()).toBe(101);
  // A third silent socket from the same address is refused; another address still gets in.
  expect(await silent()).toBe(503);
  expect(await silent("127.0.0.2")).toBe(101);
  // Three are waiting to authenticate: the total cap, whatever the address.
  expect(await silent("127.0.0.3")).toBe(503);
  releaseHeld();
  // Authenticated sessions do not count against those caps: three log in (from one address,
  // through the cap one at a time), and two more silent sockets are admitted beside them.
  const sessions: RpcClient[] = [];
  for (let i = 0; i < 3; i++) {
    const client = await eventuallyConnect();
    expect((await client.authenticate(agent.token("viewer"))).error).toBeUndefined();
    sessions.push(client);
  }
  expect(await silent()).toBe(101);
  expect(await silent()).toBe(101);
  expect(await silent()).toBe(503);
  for (const client of sessions) await client.close();
  releaseHeld();
});

test("a socket that does not authenticate within auth_timeout is closed with 1008; one that does stays", async () => {
  const session = await eventuallyConnect();
  expect((await session.authenticate(agent.token("viewer"))).error).toBeUndefined();
  const idle = await eventuallyConnect();
  const pinging = await eventuallyConnect();
  // ping needs no authentication, and does not extend the deadline.
  expect(await pinging.result("ping")).toBe("pong");
  expect(await idle.closed).toEqual({ code: 1008, reason: "authentication timeout" });
  expect((await pinging.closed).code).toBe(1008);
  // Well past the deadline, the authenticated session still answers.
  expect(await session.result("ping")).toBe("pong");
  await session.close();
});

/** Connects once the server has processed earlier closes (their slots are freed then). */
async function eventuallyConnect(): Promise<RpcClient> {
  for (let tries = 0; tries < 100; tries++) {
    const client = await RpcClient.connect(agent.wsUrl).catch(() => undefined);
    if (client) return client;
    await Bun.sleep(20);
  }
  throw new Error("no connection slot freed");
}
