// bench/scale: the compiled agent with 16 USB cameras and 100 authenticated clients: RSS
// (anonymous and file-backed) next to the runtime floor, and camera event fan-out: all 16
// cameras unplugged at once, then plugged again, every camera_status_update timed at every
// client from the moment the udev events were written (p50/p99 over all deliveries).
// Run: bun bench/scale/run.ts   (builds the x64 binary; loopback only, bounded).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signJwt } from "../../agent/src/auth/jwt.ts";
import { FakeV4l } from "../../tests/support/fake-v4l.ts";
import { RpcClient } from "../../tests/support/rpc-client.ts";
import { freePort } from "../../tests/support/test-agent.ts";
import { compileBenchProgram } from "../compile.ts";
import { ownCpuMs, processCpuMs } from "../cpu.ts";
import { BENCH_SECRET, fakeCameraConfig } from "../fake-camera-agent.ts";
import { machineDescription } from "../machine.ts";
import { percentile } from "../stats.ts";

const root = join(import.meta.dir, "../..");
const work = mkdtempSync(join(tmpdir(), "bench-scale-"));
const CAMERAS = 16;
const CLIENTS = 100;
const ROUNDS = 5;
const PROBE = { fixture: "uvc-mjpeg-yuyv.txt" };

const node = (index: number) => `video${index * 2}`;
const plug = (v4l: FakeV4l, index: number) =>
  v4l.plug({ node: node(index), port: `1-${index + 1}`, serial: `SCALE${index}`, probe: PROBE });

function rss(pid: number): string {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const mib = (name: string) =>
    (Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? Number.NaN) / 1024).toFixed(1);
  return `${mib("VmRSS")} MiB (anon ${mib("RssAnon")}, file ${mib("RssFile")})`;
}

/** Every client's arrival time of camera_status_update per "device status". */
function watch(sockets: RpcClient[]): Array<Map<string, number>> {
  return sockets.map((socket) => {
    const seen = new Map<string, number>();
    const pump = async () => {
      for (;;) {
        const message = (await socket.next(3_600_000).catch(() => undefined)) as
          | { method?: string; params?: { device: string; status: string } }
          | undefined;
        if (!message) return;
        if (message.method === "camera_status_update" && message.params) {
          seen.set(`${message.params.device} ${message.params.status}`, performance.now());
        }
      }
    };
    void pump();
    return seen;
  });
}

interface FanOut {
  /** ms from the udev events to each delivery at each client. */
  deliveries: number[];
  /** Per camera event: ms to its first client (the agent noticing it and sending it once)… */
  first: number[];
  /** …and from its first client to its last (sending it 100 times, the clients reading it). */
  spread: number[];
  /** CPU ms in the round: the agent's, and this process's (the 100 clients). */
  agentCpu: number;
  clientCpu: number;
}

/** Writes one udev event per camera at once; when each client got each camera's update. */
async function fanOut(
  v4l: FakeV4l,
  arrivals: Array<Map<string, number>>,
  action: "add" | "remove",
  agentPid: number,
): Promise<FanOut> {
  const status = action === "add" ? "CONNECTED" : "DISCONNECTED";
  for (const seen of arrivals) seen.clear();
  for (let index = 0; index < CAMERAS; index++) {
    if (action === "add") plug(v4l, index);
    else v4l.unplug(node(index));
  }
  const cpu = { agent: processCpuMs(agentPid), clients: ownCpuMs() };
  const sent = performance.now();
  for (let index = 0; index < CAMERAS; index++) v4l.event(action, node(index));
  const keys = Array.from({ length: CAMERAS }, (_, index) => `camera${index} ${status}`);
  for (;;) {
    if (arrivals.every((seen) => keys.every((key) => seen.has(key)))) break;
    if (performance.now() - sent > 60_000) throw new Error(`not every client saw ${status}`);
    await Bun.sleep(5);
  }
  const times = keys.map((key) => arrivals.map((seen) => (seen.get(key) ?? Number.NaN) - sent));
  return {
    deliveries: times.flat(),
    first: times.map((each) => Math.min(...each)),
    spread: times.map((each) => Math.max(...each) - Math.min(...each)),
    agentCpu: processCpuMs(agentPid) - cpu.agent,
    clientCpu: ownCpuMs() - cpu.clients,
  };
}

try {
  const build = Bun.spawnSync([process.execPath, "scripts/build.ts", "x64"], {
    cwd: root,
    stderr: "pipe",
  });
  if (build.exitCode !== 0) throw new Error(build.stderr.toString());
  const hello = compileBenchProgram(join(root, "bench/rpc/hello.ts"), work);
  const v4l = new FakeV4l(join(work, "v4l"));
  for (let index = 0; index < CAMERAS; index++) plug(v4l, index);
  const port = freePort();
  const config = fakeCameraConfig(work, port, v4l);
  const agent = Bun.spawn([join(root, "dist/camera-agent-linux-x64"), "run", "--config", config], {
    stdout: "ignore",
    stderr: "inherit",
  });
  const helloPort = freePort();
  const floor = Bun.spawn([hello], { env: { PORT: String(helloPort) }, stdout: "ignore" });
  try {
    const iat = Math.floor(Date.now() / 1000);
    const token = signJwt({ user_id: "bench", role: "viewer", iat, exp: iat + 3600 }, BENCH_SECRET);
    const url = `ws://127.0.0.1:${port}/ws`;
    let probe: RpcClient | undefined;
    for (let tries = 0; tries < 400 && !probe; tries++) {
      probe = await RpcClient.connect(url).catch(() => undefined);
      if (!probe) await Bun.sleep(25);
    }
    if (!probe) throw new Error("the agent never answered");
    await probe.authenticate(token);
    for (let tries = 0; ; tries++) {
      const list = (await probe.result("get_camera_list")) as { connected: number };
      if (list.connected === CAMERAS) break;
      if (tries > 600) throw new Error(`only ${list.connected} of ${CAMERAS} cameras connected`);
      await Bun.sleep(50);
    }
    await probe.close();
    await Bun.sleep(2000); // the udev monitor following the log, the cameras settled
    // Before the sessions, so the rows split what the cameras and what the clients cost.
    const camerasOnly = rss(agent.pid);
    const sockets = await RpcClient.sessions(url, token, CLIENTS);
    const arrivals = watch(sockets);
    await Bun.sleep(2000);
    const idle = rss(agent.pid);
    const floorRss = rss(floor.pid);

    const rounds: Record<"remove" | "add", FanOut[]> = { remove: [], add: [] };
    for (let round = 0; round < ROUNDS; round++) {
      rounds.remove.push(await fanOut(v4l, arrivals, "remove", agent.pid));
      rounds.add.push(await fanOut(v4l, arrivals, "add", agent.pid));
    }
    const after = rss(agent.pid);
    await Promise.all(sockets.map((socket) => socket.close()));

    console.log(`\nbench/scale on ${machineDescription()}`);
    console.log(
      `(${CAMERAS} cameras, ${CLIENTS} authenticated clients; ${ROUNDS} rounds of all cameras unplugged at once, then plugged again)\n`,
    );
    console.log("| measure | result | goal |\n|---|---|---|");
    console.log(
      `| RSS, ${CAMERAS} cameras + ${CLIENTS} idle clients | ${idle} | ≤ floor + 20 MiB |`,
    );
    console.log(`| RSS, ${CAMERAS} cameras, before the clients connected | ${camerasOnly} | |`);
    console.log(`| RSS, bare compiled Bun.serve (runtime floor) | ${floorRss} | |`);
    for (const [action, what] of [
      ["remove", "16 unplugged at once → DISCONNECTED"],
      ["add", "16 plugged at once (16 probes) → CONNECTED"],
    ] as const) {
      const all = (part: "deliveries" | "first" | "spread") =>
        rounds[action].flatMap((round) => round[part]);
      const p50p99 = (values: number[]) =>
        `p50 ${percentile(values, 50).toFixed(1)} ms, p99 ${percentile(values, 99).toFixed(1)} ms`;
      const cpu = (part: "agentCpu" | "clientCpu") =>
        (rounds[action].reduce((sum, round) => sum + round[part], 0) / ROUNDS).toFixed(0);
      console.log(
        `| fan-out: ${what}, at each of ${CLIENTS} clients (${all("deliveries").length} deliveries) | ${p50p99(all("deliveries"))} | p99 ≤ 20 ms |`,
      );
      console.log(
        `| … of which, per camera event: udev event → its first client | ${p50p99(all("first"))} | |`,
      );
      console.log(
        `| … and its first client → its last of ${CLIENTS} | ${p50p99(all("spread"))} | |`,
      );
      console.log(
        `| … CPU per round of ${CAMERAS} events: agent, ${CLIENTS} in-process clients | ${cpu("agentCpu")} ms, ${cpu("clientCpu")} ms | |`,
      );
    }
    console.log(`| RSS after the fan-out rounds | ${after} | |`);
  } finally {
    agent.kill("SIGTERM");
    floor.kill("SIGTERM");
    await Promise.all([agent.exited, floor.exited]);
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
