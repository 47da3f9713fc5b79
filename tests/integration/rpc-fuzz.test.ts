// A bounded fuzz run of the JSON-RPC endpoint (issue 17, "keep it held"): random and structured
// frames from a fixed seed, on an unauthenticated and an admin socket. Every reply must be
// JSON-RPC 2.0, no request may end in -32603 (a crash is a bug), and the agent keeps serving.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { methods } from "../../agent/src/rpc/methods/index.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

const SEED = 20261201;
const FRAMES_PER_SOCKET = 12_000;
const CHUNK = 300;

let agent: TestAgent;

beforeAll(async () => {
  agent = await startTestAgent({
    // The unauthenticated socket is closed once auth_timeout (10 s) passes; on a loaded
    // machine the 12,000 frames take longer than that (seen: closed with 1008 at 4,500).
    server: { auth_timeout: "120s" },
    limits: {
      requests_per_minute: 10_000_000,
      failed_logins_per_minute: 10_000_000,
      max_frame_bytes: 256 * 1024,
    },
  });
});
afterAll(async () => {
  await agent.stop();
});

/** mulberry32: small, seeded, good enough to pick frames. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const METHOD_NAMES = methods.map((method) => method.name);
const NASTY_STRINGS = [
  "",
  "__proto__",
  "constructor",
  "toString",
  "../../etc/passwd",
  "camera0",
  "camera99999999999999999999",
  "'; DROP TABLE cameras; --",
  "\u0000",
  "\ud800",
  "😀".repeat(50),
  "a".repeat(5000),
  "csk_aaaaaaaa",
  "eyJhbGciOiJub25lIn0.eyJyb2xlIjoiYWRtaW4ifQ.",
];

function fuzzer(next: () => number) {
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const value = (depth: number): unknown => {
    switch (int(depth > 3 ? 6 : 9)) {
      case 0:
        return null;
      case 1:
        return next() < 0.5;
      case 2:
        return pick([0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, Number.MAX_SAFE_INTEGER, 86_401]);
      case 3:
        return pick(NASTY_STRINGS);
      case 4:
        return pick(METHOD_NAMES);
      case 5:
        return int(1000);
      case 6:
        return Array.from({ length: int(5) }, () => value(depth + 1));
      default: {
        const object: Record<string, unknown> = {};
        for (let i = int(6); i > 0; i--) {
          object[
            pick([
              "device",
              "filename",
              "topics",
              "filters",
              "limit",
              "offset",
              "duration",
              "format",
              "auth_token",
              ...NASTY_STRINGS,
            ])
          ] = value(depth + 1);
        }
        return object;
      }
    }
  };
  const request = (): unknown => {
    const message: Record<string, unknown> = {};
    if (next() < 0.95) message.jsonrpc = next() < 0.9 ? "2.0" : value(3);
    if (next() < 0.9) message.method = next() < 0.8 ? pick(METHOD_NAMES) : value(2);
    if (next() < 0.8) message.params = value(0);
    if (next() < 0.85) message.id = next() < 0.7 ? int(1_000_000) : value(3);
    if (next() < 0.05) message.extra = value(2);
    return message;
  };
  return (): string => {
    const kind = next();
    if (kind < 0.15) {
      // Random text, often almost JSON.
      const alphabet = '{}[]":,0123456789.-eE truefalsnul\\\u00e9\u4e2d';
      return Array.from({ length: int(80) }, () => pick([...alphabet])).join("");
    }
    if (kind < 0.2) return "[".repeat(int(20_000)) + "]".repeat(int(3));
    if (kind < 0.25) {
      // Duplicate and prototype keys, written by hand (JSON.stringify cannot).
      return `{"jsonrpc":"2.0","id":1,"method":"ping","method":"${pick(METHOD_NAMES)}","__proto__":{"role":"admin"},"params":{"__proto__":{"x":1}}}`;
    }
    if (kind < 0.35) return JSON.stringify(Array.from({ length: int(110) }, request));
    return JSON.stringify(request());
  };
}

type Reply = Record<string, unknown>;

/** Problems with one message the server sent, per JSON-RPC 2.0 and our contract. */
function problemsWith(text: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [`not JSON: ${text.slice(0, 200)}`];
  }
  const items = Array.isArray(parsed) ? parsed : [parsed];
  if (Array.isArray(parsed) && parsed.length === 0) return ["an empty batch reply"];
  return items.flatMap((item: unknown) => {
    if (typeof item !== "object" || item === null) return [`not an object: ${text.slice(0, 200)}`];
    const reply = item as Reply;
    if (reply.jsonrpc !== "2.0") return [`jsonrpc is not "2.0": ${text.slice(0, 200)}`];
    // A notification the session subscribed to.
    if (typeof reply.method === "string" && !("id" in reply)) return [];
    if (!("id" in reply)) return [`a reply without id: ${text.slice(0, 200)}`];
    if ("result" in reply === "error" in reply)
      return [`not exactly one of result and error: ${text.slice(0, 200)}`];
    const error = reply.error as { code?: unknown; message?: unknown } | undefined;
    if (error) {
      if (!Number.isInteger(error.code) || typeof error.message !== "string")
        return [`a malformed error: ${text.slice(0, 200)}`];
      if (error.code === -32603) return [`an internal error: ${text.slice(0, 300)}`];
    }
    return [];
  });
}

/** How the replies ended, by error code ("result" for successes): what the run reached. */
function outcomes(received: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const text of received) {
    for (const item of [JSON.parse(text) as unknown].flat() as Reply[]) {
      const key = item.error
        ? String((item.error as { code: unknown }).code)
        : "result" in item
          ? "result"
          : "notification";
      counts[key] = (counts[key] ?? 0) + 1;
    }
  }
  return counts;
}

async function fuzzSocket(
  seed: number,
  credential: string | undefined,
): Promise<{ frames: number; outcomes: Record<string, number>; problems: string[] }> {
  const socket = new WebSocket(agent.wsUrl);
  const received: string[] = [];
  let waiting: { id: string; resolve: () => void } | undefined;
  socket.onmessage = (event) => {
    const text = String(event.data);
    received.push(text);
    if (waiting && text.includes(`"${waiting.id}"`)) waiting.resolve();
  };
  const closed = new Promise<number>((resolve) => {
    socket.onclose = (event) => resolve(event.code);
  });
  await new Promise<void>((resolve, reject) => {
    socket.onopen = () => resolve();
    socket.onerror = () => reject(new Error("cannot connect"));
  });
  // A marker request whose reply says the server has read everything sent before it.
  const marker = (id: string) =>
    new Promise<void>((resolve) => {
      waiting = { id, resolve };
      socket.send(JSON.stringify({ jsonrpc: "2.0", id, method: "ping" }));
    });
  if (credential) {
    socket.send(
      JSON.stringify({
        jsonrpc: "2.0",
        id: "login",
        method: "authenticate",
        params: { auth_token: credential },
      }),
    );
  }
  const frame = fuzzer(random(seed));
  let sent = 0;
  for (let chunk = 0; sent < FRAMES_PER_SOCKET; chunk++) {
    for (let i = 0; i < CHUNK && sent < FRAMES_PER_SOCKET; i++, sent++) socket.send(frame());
    await Promise.race([
      marker(`marker-${chunk}`),
      closed.then((code) => {
        throw new Error(`the server closed the socket (${code}) after ${sent} frames`);
      }),
    ]);
  }
  // Replies to slow handlers may trail the last marker: one more round trip after a pause.
  await Bun.sleep(200);
  await marker("marker-last");
  socket.close();
  return { frames: sent, outcomes: outcomes(received), problems: received.flatMap(problemsWith) };
}

test("12,000 random and structured frames per socket, unauthenticated and as admin: every reply is JSON-RPC 2.0, none is -32603, the agent keeps serving", async () => {
  const started = performance.now();
  const runs = await Promise.all([
    fuzzSocket(SEED, undefined),
    fuzzSocket(SEED + 1, agent.token("admin")),
  ]);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `rpc fuzz in ${seconds.toFixed(1)} s: ${runs.map((run) => `${run.frames} frames → ${JSON.stringify(run.outcomes)}`).join("; ")}`,
  );
  expect(runs.flatMap((run) => run.problems).slice(0, 20)).toEqual([]);
  const health = await fetch(`${agent.httpUrl}/health/ready`);
  expect(health.status).toBe(200);
}, 120_000);
