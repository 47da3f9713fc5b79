// Failed logins are limited per client address across sockets and HTTP (issue 17, item 6).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { LoginThrottle } from "../../agent/src/auth/login-throttle.ts";
import { maskedTextFrame, rawUpgrade } from "../support/raw-upgrade.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

let agent: TestAgent;

beforeAll(async () => {
  agent = await startTestAgent({ limits: { failed_logins_per_minute: 3 } });
});
afterAll(async () => {
  await agent.stop();
});

/** One authenticate over a raw socket from another loopback address: another client machine. */
async function authenticateFrom(address: string, credential: string): Promise<unknown> {
  const { status, socket } = await rawUpgrade(agent.agent.port, "/ws", {}, address);
  expect(status).toBe(101);
  try {
    const reply = new Promise<unknown>((resolve) => {
      let buffer = Buffer.alloc(0);
      socket.on("data", (chunk: Buffer) => {
        buffer = Buffer.concat([buffer, chunk]);
        // A server text frame under 64 KiB: 0x81, length (or 126 + 16-bit length), payload.
        const short = (buffer[1] ?? 0) & 0x7f;
        const [offset, length] = short === 126 ? [4, buffer.readUInt16BE(2)] : [2, short];
        if (buffer.length >= offset + length) {
          resolve(JSON.parse(buffer.subarray(offset, offset + length).toString()));
        }
      });
    });
    socket.resume();
    socket.write(
      maskedTextFrame(
        JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "authenticate",
          params: { auth_token: credential },
        }),
      ),
    );
    return await reply;
  } finally {
    socket.destroy();
  }
}

test("over the limit, logins from that address are refused with -32040 on every socket and 429 over HTTP, logged once; other addresses are not affected", async () => {
  const first = await RpcClient.connect(agent.wsUrl);
  for (let i = 0; i < 3; i++) {
    expect((await first.authenticate(`csk_wrong${i}`)).error?.code).toBe(-32001);
  }
  const limited = await first.authenticate(agent.token("viewer"));
  expect(limited.error?.code).toBe(-32040);
  expect(limited.error?.data?.details).toBe("too many failed logins from this address");
  const retryAfter = Number(limited.error?.data?.retry_after_ms);
  expect(retryAfter).toBeGreaterThan(0);
  expect(retryAfter).toBeLessThanOrEqual(60_000);
  await first.close();
  // A new socket does not start over, not even with a valid credential.
  const second = await RpcClient.connect(agent.wsUrl);
  expect((await second.authenticate(agent.token("admin"))).error?.code).toBe(-32040);
  await second.close();
  // Nor does HTTP with a credential header.
  const download = await fetch(`${agent.httpUrl}/files/snapshots/camera0_2026-11-21_12-00-00.jpg`, {
    headers: { "X-API-Key": "csk_wrong" },
  });
  expect(download.status).toBe(429);
  expect(Number(download.headers.get("retry-after"))).toBeGreaterThan(0);
  // Another machine logs in as usual.
  expect(await authenticateFrom("127.0.0.2", agent.token("viewer"))).toMatchObject({
    result: { authenticated: true },
  });
  const warnings = agent.logs.filter((line) => line.includes("too many failed logins"));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toContain('"remote":"127.0.0.1"');
});

test("LoginThrottle: the window ends, and memory stays bounded however many addresses fail", () => {
  let now = 0;
  const lockOuts: string[] = [];
  const throttle = new LoginThrottle(
    2,
    1_000,
    (address) => lockOuts.push(address),
    () => now,
  );
  throttle.recordFailure("a");
  expect(throttle.retryAfter("a")).toBe(0);
  throttle.recordFailure("a");
  expect(throttle.retryAfter("a")).toBe(1_000);
  now = 400;
  throttle.recordFailure("a");
  expect(throttle.retryAfter("a")).toBe(600);
  expect(lockOuts).toEqual(["a"]);
  now = 1_000;
  expect(throttle.retryAfter("a")).toBe(0);
  // 10,000 other addresses later, the oldest one tracked has been dropped.
  throttle.recordFailure("b");
  throttle.recordFailure("b");
  for (let i = 0; i < 10_000; i++) throttle.recordFailure(`10.0.${i >> 8}.${i & 255}`);
  expect(throttle.retryAfter("b")).toBe(0);
});
