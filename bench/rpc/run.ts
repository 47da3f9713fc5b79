// bench/rpc: ping round trips at 1, 10 and 100 concurrent clients, pipelined throughput on
// one socket, API-key logins, start → first authenticated ping, idle RSS (anonymous and
// file-backed) of the compiled agent next to a compiled Bun.serve hello-world, and the JS heap
// each part of the agent adds (bench/rpc/heap.ts), each figure beside its goal.
// Run: npm run bench   (builds dist/camera-agent-linux-x64 first; loopback only, bounded).
import { mkdtempSync, readFileSync, readlinkSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RpcClient } from "../../tests/support/rpc-client.ts";
import { freePort } from "../../tests/support/test-agent.ts";
import { compileBenchProgram } from "../compile.ts";
import { ownCpuMs, processCpuMs } from "../cpu.ts";
import { machineDescription } from "../machine.ts";
import { percentile } from "../stats.ts";

const root = join(import.meta.dir, "../..");
const work = mkdtempSync(join(tmpdir(), "bench-rpc-"));
const LATENCY_CALLS = 10_000;
const PIPELINED_CALLS = 50_000;
const STARTS = 7;
const KEY_LOGINS = 20;
const MiB = 1024;

/** RSS of a process in KiB: total, anonymous (its own heap) and file-backed (mapped code). */
function rss(pid: number): { total: number; anon: number; file: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const field = (name: string) =>
    Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN);
  return { total: field("VmRSS"), anon: field("RssAnon"), file: field("RssFile") };
}

/**
 * Where a process's resident pages of its own executable sit, in KiB, by mapping: read-only
 * data (.rodata, the runtime's builtins), machine code (.text: the runtime's code that ran),
 * and the writable part, which holds the embedded bundle and its bytecode (.bun).
 */
function executablePages(pid: number): { rodata: number; code: number; writable: number } {
  const exe = readlinkSync(`/proc/${pid}/exe`);
  const pages = { rodata: 0, code: 0, writable: 0 };
  let part: keyof typeof pages | undefined;
  for (const line of readFileSync(`/proc/${pid}/smaps`, "utf8").split("\n")) {
    const mapping = /^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (mapping) {
      const [, perms = "", path = ""] = mapping;
      part =
        path !== exe
          ? undefined
          : perms.includes("x")
            ? "code"
            : perms.includes("w")
              ? "writable"
              : "rodata";
    } else if (part && line.startsWith("Rss:")) {
      pages[part] += Number(line.split(/\s+/)[1]);
    }
  }
  return pages;
}

const mib = (kib: number) => `${(kib / MiB).toFixed(1)} MiB`;
const split = (r: { total: number; anon: number; file: number }) =>
  `${mib(r.total)} (anon ${mib(r.anon)}, file ${mib(r.file)})`;

/**
 * Milliseconds from spawning the agent to the answer of its first authenticated ping: what a
 * client waiting on a (re)starting box sees. Connection attempts repeat every 2 ms.
 */
async function startToPing(
  argv: string[],
  port: number,
  token: string,
  env: Record<string, string> = {},
) {
  const started = performance.now();
  const child = Bun.spawn(argv, {
    env: { ...process.env, ...env },
    stdout: "ignore",
    stderr: "ignore",
  });
  try {
    for (;;) {
      const socket = await RpcClient.connect(`ws://127.0.0.1:${port}/ws`).catch(() => undefined);
      if (!socket) {
        if (performance.now() - started > 10_000) throw new Error("the agent never answered");
        await Bun.sleep(2);
        continue;
      }
      await socket.authenticate(token);
      const reply = await socket.call("ping");
      const ms = performance.now() - started;
      await socket.close();
      if (reply.error) throw new Error(`ping failed: ${JSON.stringify(reply.error)}`);
      return ms;
    }
  } finally {
    child.kill("SIGTERM");
    await child.exited;
  }
}

async function waitFor(url: string): Promise<void> {
  for (let tries = 0; tries < 200; tries++) {
    if (
      await fetch(url).then(
        (response) => response.ok,
        () => false,
      )
    )
      return;
    await Bun.sleep(50);
  }
  throw new Error(`${url} never answered`);
}

function must(result: { exitCode: number | null; stderr: Buffer }, what: string): void {
  if (result.exitCode !== 0) throw new Error(`${what} failed: ${result.stderr.toString()}`);
}

interface Latency {
  p50: number;
  p99: number;
  perSecond: number;
  /** CPU µs per call: the server's, and this process's (the clients: send, receive, parse). */
  serverCpu: number;
  clientCpu: number;
}

/** `clients` sockets each pinging `server` (pid) in turn; latency, throughput and CPU per call. */
async function latency(
  url: string,
  token: string,
  clients: number,
  server: number,
): Promise<Latency> {
  const sockets = await RpcClient.sessions(url, token, clients);
  const perClient = Math.ceil(LATENCY_CALLS / clients);
  const samples: number[] = [];
  const cpu = { server: processCpuMs(server), client: ownCpuMs() };
  const started = performance.now();
  await Promise.all(
    sockets.map(async (socket) => {
      for (let i = 0; i < perClient; i++) {
        const t0 = performance.now();
        await socket.call("ping");
        samples.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const perCall = (ms: number) => (ms * 1000) / samples.length;
  const serverCpu = perCall(processCpuMs(server) - cpu.server);
  const clientCpu = perCall(ownCpuMs() - cpu.client);
  await Promise.all(sockets.map((socket) => socket.close()));
  samples.sort((a, b) => a - b);
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    perSecond: samples.length / seconds,
    serverCpu,
    clientCpu,
  };
}

const latencyRow = (result: Latency) =>
  `p50 ${result.p50.toFixed(3)} ms, p99 ${result.p99.toFixed(3)} ms, ${Math.round(result.perSecond)} calls/s; CPU per call: server ${result.serverCpu.toFixed(0)} µs, clients ${result.clientCpu.toFixed(0)} µs`;

/** Milliseconds per API-key login (connect, authenticate, close), sequential. */
async function keyLogins(url: string, key: string, rounds: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const started = performance.now();
    const socket = await RpcClient.connect(url);
    const reply = await socket.authenticate(key);
    samples.push(performance.now() - started);
    await socket.close();
    if (reply.error) throw new Error(`API key login failed: ${JSON.stringify(reply.error)}`);
  }
  return samples.sort((a, b) => a - b);
}

/** bench/rpc/heap.ts's reading: the live JS heap each part of the agent adds, as rows. */
function heapParts(): Array<[string, string, string]> {
  const result = Bun.spawnSync([process.execPath, join(import.meta.dir, "heap.ts")], {
    stderr: "pipe",
  });
  must(result, "heap breakdown");
  const { empty, rows } = JSON.parse(result.stdout.toString()) as {
    empty: { bytes: number };
    rows: { part: string; bytes: number; objects: number }[];
  };
  const total = rows.reduce(
    (sum, row) => (row.part.startsWith("onvif") ? sum : sum + row.bytes),
    0,
  );
  return [
    ...rows.map((row): [string, string, string] => [
      `live JS heap added by ${row.part}`,
      `${(row.bytes / 1048576).toFixed(2)} MiB, ${row.objects} objects`,
      "",
    ]),
    [
      "live JS heap of an idle agent, as loaded (empty runtime + the parts above but onvif)",
      `${((empty.bytes + total) / 1048576).toFixed(2)} MiB`,
      "",
    ],
  ];
}

async function pipelined(url: string, method: string, token?: string): Promise<number> {
  const socket = await RpcClient.connect(url);
  if (token) await socket.authenticate(token);
  const started = performance.now();
  const replies = await Promise.all(
    Array.from({ length: PIPELINED_CALLS }, () => socket.call(method)),
  );
  const seconds = (performance.now() - started) / 1000;
  await socket.close();
  if (replies.some((reply) => reply.error)) throw new Error(`${method} returned errors`);
  return PIPELINED_CALLS / seconds;
}

try {
  must(
    Bun.spawnSync([process.execPath, "scripts/build.ts", "x64"], { cwd: root, stderr: "pipe" }),
    "agent build",
  );
  const hello = compileBenchProgram(join(import.meta.dir, "hello.ts"), work);
  const echo = compileBenchProgram(join(import.meta.dir, "echo.ts"), work);

  const port = freePort();
  const config = join(work, "config.yaml");
  writeFileSync(
    config,
    `server:\n  host: 127.0.0.1\n  port: ${port}\nhealth:\n  port: 0\nlimits:\n  requests_per_minute: 100000000\nstate:\n  dir: ${work}/state\nstorage:\n  root: ${work}/media\nlog:\n  level: warn\n`,
  );
  const binary = join(root, "dist/camera-agent-linux-x64");
  const token = Bun.spawnSync([binary, "token", "--role", "admin", "--config", config])
    .stdout.toString()
    .trim();
  const created = Bun.spawnSync(
    [binary, "keys", "create", "--name", "bench", "--role", "admin", "--config", config],
    {
      stderr: "pipe",
    },
  );
  must(created, "keys create");
  const apiKey = created.stdout.toString().trim().split("\n").at(-1) ?? "";
  // Once to create the state (JWT secret, database) as on any boot after the first.
  const run = [binary, "run", "--config", config];
  await startToPing(run, port, token);
  const starts: number[] = [];
  // The floor the same way: the bare WebSocket (echo.ts) spawned, connected to, logged in to
  // and pinged, alternating with the agent so both see the same machine.
  const floorPort = freePort();
  const floorStarts: number[] = [];
  for (let i = 0; i < STARTS; i++) {
    starts.push(await startToPing(run, port, token));
    floorStarts.push(await startToPing([echo], floorPort, token, { PORT: String(floorPort) }));
  }
  starts.sort((a, b) => a - b);
  floorStarts.sort((a, b) => a - b);
  const agent = Bun.spawn([binary, "run", "--config", config], {
    stdout: "ignore",
    stderr: "inherit",
  });
  const helloPort = freePort();
  const floor = Bun.spawn([hello], { env: { PORT: String(helloPort) }, stdout: "ignore" });
  const echoPort = freePort();
  const echoServer = Bun.spawn([echo], { env: { PORT: String(echoPort) }, stdout: "ignore" });
  try {
    await waitFor(`http://127.0.0.1:${port}/health/ready`);
    await waitFor(`http://127.0.0.1:${helloPort}/`);
    await Bun.sleep(2000);
    const idle = { agent: rss(agent.pid), floor: rss(floor.pid) };
    const pages = { agent: executablePages(agent.pid), floor: executablePages(floor.pid) };

    const url = `ws://127.0.0.1:${port}/ws`;
    const echoUrl = `ws://127.0.0.1:${echoPort}/ws`;
    await waitFor(`http://127.0.0.1:${echoPort}/`);
    await latency(url, token, 10, agent.pid); // warm-up
    await latency(echoUrl, token, 10, echoServer.pid);
    const rows: Array<[string, string, string]> = [];
    for (const clients of [1, 10, 100]) {
      rows.push([
        `ping round trip, ${clients} client${clients === 1 ? "" : "s"}`,
        latencyRow(await latency(url, token, clients, agent.pid)),
        clients === 100 ? "p99 ≤ 3 ms" : "",
      ]);
    }
    for (const clients of [1, 100]) {
      rows.push([
        `ping round trip, ${clients} client${clients === 1 ? "" : "s"}, bare Bun.serve WebSocket answering pong (floor)`,
        latencyRow(await latency(echoUrl, token, clients, echoServer.pid)),
        "",
      ]);
    }
    rows.push([
      "pipelined ping, 1 socket",
      `${Math.round(await pipelined(url, "ping"))} calls/s`,
      "",
    ]);
    rows.push([
      "pipelined get_server_info (authenticated), 1 socket",
      `${Math.round(await pipelined(url, "get_server_info", token))} calls/s`,
      "",
    ]);
    const logins = await keyLogins(url, apiKey, KEY_LOGINS);
    rows.push([
      `API-key login: connect and authenticate (${KEY_LOGINS} in a row)`,
      `p50 ${percentile(logins, 50).toFixed(2)} ms, max ${(logins.at(-1) ?? 0).toFixed(2)} ms`,
      "",
    ]);
    const loaded = rss(agent.pid);
    const spread = (sorted: number[]) =>
      `p50 ${(sorted[Math.floor(STARTS / 2)] ?? 0).toFixed(0)} ms, min ${(sorted[0] ?? 0).toFixed(0)} ms, max ${(sorted.at(-1) ?? 0).toFixed(0)} ms`;
    rows.push([`start → first authenticated ping (${STARTS} starts)`, spread(starts), "≤ 100 ms"]);
    rows.push([
      `start → first ping, bare Bun.serve WebSocket answering pong (floor, ${STARTS} starts)`,
      spread(floorStarts),
      "",
    ]);
    rows.push([
      "idle RSS, camera-agent binary",
      split(idle.agent),
      `≤ 40 MiB and ≤ floor + 10 MiB (${mib(idle.floor.total + 10 * MiB)}); anon ≤ 10 MiB`,
    ]);
    rows.push(["idle RSS, bare compiled Bun.serve (runtime floor)", split(idle.floor), ""]);
    for (const [part, what] of [
      ["code", "machine code (.text) that ran"],
      ["rodata", "read-only data (.rodata, builtins)"],
      ["writable", "writable data, embedded bundle and bytecode (.bun)"],
    ] as const) {
      rows.push([
        `idle, resident pages of the executable: ${what}`,
        `agent ${mib(pages.agent[part])}, floor ${mib(pages.floor[part])}`,
        "",
      ]);
    }
    rows.push(["RSS after the runs above, camera-agent", split(loaded), ""]);
    for (const part of heapParts()) rows.push(part);

    console.log(`\nbench/rpc on ${machineDescription()}`);
    console.log(
      `(${LATENCY_CALLS} pings per latency row, ${PIPELINED_CALLS} calls per pipelined row)\n`,
    );
    console.log("| measure | result | goal |\n|---|---|---|");
    for (const [name, value, goal] of rows) console.log(`| ${name} | ${value} | ${goal} |`);
  } finally {
    for (const child of [agent, floor, echoServer]) child.kill("SIGTERM");
    await Promise.all([agent.exited, floor.exited, echoServer.exited]);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
