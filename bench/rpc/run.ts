// bench/rpc: ping round trips at 1, 10 and 100 concurrent clients, pipelined throughput on
// one socket, and idle RSS of the compiled agent next to a compiled Bun.serve hello-world.
// Run: npm run bench   (builds dist/camera-agent-linux-x64 first; loopback only, bounded).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { RpcClient } from "../../tests/support/rpc-client.ts";
import { freePort } from "../../tests/support/test-agent.ts";
import { machineDescription } from "../machine.ts";

const root = join(import.meta.dir, "../..");
const work = mkdtempSync(join(tmpdir(), "bench-rpc-"));
const LATENCY_CALLS = 10_000;
const PIPELINED_CALLS = 50_000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function rssKiB(pid: number): number {
  return Number(
    /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1] ?? Number.NaN,
  );
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

async function latency(
  url: string,
  token: string,
  clients: number,
): Promise<{ p50: number; p99: number; perSecond: number }> {
  const sockets = await RpcClient.sessions(url, token, clients);
  const perClient = Math.ceil(LATENCY_CALLS / clients);
  const samples: number[] = [];
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
  await Promise.all(sockets.map((socket) => socket.close()));
  samples.sort((a, b) => a - b);
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    perSecond: samples.length / seconds,
  };
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
  const hello = join(work, "hello");
  must(
    Bun.spawnSync(
      [
        process.execPath,
        "build",
        "--compile",
        join(import.meta.dir, "hello.ts"),
        "--outfile",
        hello,
      ],
      { cwd: root, stderr: "pipe" },
    ),
    "hello-world build",
  );

  const port = freePort();
  const config = join(work, "config.yaml");
  writeFileSync(
    config,
    `server:\n  host: 127.0.0.1\n  port: ${port}\nhealth:\n  port: 0\nlimits:\n  requests_per_minute: 100000000\nstate:\n  dir: ${work}/state\nstorage:\n  root: ${work}/media\nlog:\n  level: warn\n`,
  );
  const agent = Bun.spawn([join(root, "dist/camera-agent-linux-x64"), "run", "--config", config], {
    stdout: "ignore",
    stderr: "inherit",
  });
  const helloPort = freePort();
  const floor = Bun.spawn([hello], { env: { PORT: String(helloPort) }, stdout: "ignore" });
  try {
    await waitFor(`http://127.0.0.1:${port}/health/ready`);
    await waitFor(`http://127.0.0.1:${helloPort}/`);
    await Bun.sleep(2000);
    const idle = { agent: rssKiB(agent.pid), floor: rssKiB(floor.pid) };

    const url = `ws://127.0.0.1:${port}/ws`;
    const token = Bun.spawnSync([
      join(root, "dist/camera-agent-linux-x64"),
      "token",
      "--role",
      "admin",
      "--config",
      config,
    ])
      .stdout.toString()
      .trim();
    await latency(url, token, 10); // warm-up
    const rows: Array<[string, string]> = [];
    for (const clients of [1, 10, 100]) {
      const result = await latency(url, token, clients);
      rows.push([
        `ping round trip, ${clients} client${clients === 1 ? "" : "s"}`,
        `p50 ${result.p50.toFixed(3)} ms, p99 ${result.p99.toFixed(3)} ms, ${Math.round(result.perSecond)} calls/s`,
      ]);
    }
    rows.push(["pipelined ping, 1 socket", `${Math.round(await pipelined(url, "ping"))} calls/s`]);
    rows.push([
      "pipelined get_server_info (authenticated), 1 socket",
      `${Math.round(await pipelined(url, "get_server_info", token))} calls/s`,
    ]);
    const loaded = rssKiB(agent.pid);
    rows.push(["idle RSS, camera-agent binary", `${(idle.agent / 1024).toFixed(1)} MiB`]);
    rows.push([
      "idle RSS, bare compiled Bun.serve (runtime floor)",
      `${(idle.floor / 1024).toFixed(1)} MiB`,
    ]);
    rows.push(["RSS after the runs above, camera-agent", `${(loaded / 1024).toFixed(1)} MiB`]);

    console.log(`\nbench/rpc on ${machineDescription()}`);
    console.log(
      `(${LATENCY_CALLS} pings per latency row, ${PIPELINED_CALLS} calls per pipelined row)\n`,
    );
    console.log("| measure | result |\n|---|---|");
    for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
  } finally {
    agent.kill("SIGTERM");
    floor.kill("SIGTERM");
    await Promise.all([agent.exited, floor.exited]);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
