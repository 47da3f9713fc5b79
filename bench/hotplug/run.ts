// bench/hotplug: udev event → camera_status_update latency at 1 and 100 clients (p50/p99), and
// storm throughput (events/s until the camera list exactly matches sysfs).
// Run: bun bench/hotplug/run.ts   (builds the x64 binary; loopback only, bounded).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { signJwt } from "../../agent/src/auth/jwt.ts";
import { FakeV4l } from "../../tests/support/fake-v4l.ts";
import { RpcClient } from "../../tests/support/rpc-client.ts";
import { freePort } from "../../tests/support/test-agent.ts";
import { BENCH_SECRET, fakeCameraConfig } from "../fake-camera-agent.ts";
import { machineDescription } from "../machine.ts";
import { percentile } from "../stats.ts";

const root = join(import.meta.dir, "../..");
const work = mkdtempSync(join(tmpdir(), "bench-hotplug-"));
const ROUNDS = 100;
const STORM_EVENTS = 1000;
const PROBE = { fixture: "uvc-mjpeg-yuyv.txt" };

/** Resolves when `client` receives camera_status_update for `device` with `status`. */
function arrival(client: RpcClient, device: string, status: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${status} for ${device}`)), 10_000);
    const wait = async () => {
      for (;;) {
        const message = (await client.next(10_000)) as {
          method?: string;
          params?: { device: string; status: string };
        };
        if (
          message.method === "camera_status_update" &&
          message.params?.device === device &&
          message.params.status === status
        ) {
          clearTimeout(timer);
          resolve(performance.now());
          return;
        }
      }
    };
    wait().catch(reject);
  });
}

async function latency(v4l: FakeV4l, url: string, token: string, clients: number) {
  const sockets = await RpcClient.sessions(url, token, clients);
  const samples: Record<"add" | "remove", number[]> = { add: [], remove: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const node = `video${round % 2 === 0 ? 10 : 12}`;
    for (const [action, status] of [
      ["add", "CONNECTED"],
      ["remove", "DISCONNECTED"],
    ] as const) {
      const arrivals = Promise.all(sockets.map((socket) => arrival(socket, "camera0", status)));
      if (action === "add") v4l.plug({ node, port: "2-1", serial: "BENCH", probe: PROBE });
      else v4l.unplug(node);
      const sent = performance.now();
      v4l.event(action, node);
      for (const at of await arrivals) samples[action].push(at - sent);
    }
  }
  await Promise.all(sockets.map((socket) => socket.close()));
  const summary = (values: number[]) => {
    values.sort((a, b) => a - b);
    return { p50: percentile(values, 50), p99: percentile(values, 99), n: values.length };
  };
  return { add: summary(samples.add), remove: summary(samples.remove) };
}

async function storm(v4l: FakeV4l, url: string, token: string) {
  const client = await RpcClient.connect(url);
  await client.authenticate(token);
  const plugged = new Set<number>();
  let seed = 7;
  const started = performance.now();
  for (let i = 0; i < STORM_EVENTS; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const device = seed % 16;
    const node = `video${20 + device * 2}`;
    if (plugged.has(device)) {
      v4l.unplug(node);
      v4l.event("remove", node);
      plugged.delete(device);
    } else {
      v4l.plug({ node, port: `3-${device + 1}`, serial: `STORM${device}`, probe: PROBE });
      v4l.event("add", node);
      plugged.add(device);
    }
  }
  const issued = performance.now();
  // Exact: every storm camera's status matches sysfs (camera0 is the latency camera, unplugged).
  for (;;) {
    const list = (await client.result("get_camera_list")) as {
      cameras: Array<{ device: string; status: string }>;
    };
    const connected = list.cameras.filter((camera) => camera.status === "CONNECTED").length;
    if (connected === plugged.size && list.cameras.length >= 1 + new Set([...plugged]).size) break;
    if (performance.now() - started > 60_000) throw new Error("storm never settled");
    await Bun.sleep(5);
  }
  const settled = performance.now();
  await client.close();
  return {
    issueMs: issued - started,
    settleMs: settled - started,
    eventsPerSecond: STORM_EVENTS / ((settled - started) / 1000),
  };
}

try {
  const build = Bun.spawnSync([process.execPath, "scripts/build.ts", "x64"], {
    cwd: root,
    stderr: "pipe",
  });
  if (build.exitCode !== 0) throw new Error(build.stderr.toString());
  const v4l = new FakeV4l(join(work, "v4l"));
  const port = freePort();
  const config = fakeCameraConfig(work, port, v4l);
  const agent = Bun.spawn([join(root, "dist/camera-agent-linux-x64"), "run", "--config", config], {
    stdout: "ignore",
    stderr: "inherit",
  });
  try {
    for (let tries = 0; tries < 200; tries++) {
      if (
        await fetch(`http://127.0.0.1:${port}/health/ready`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      await Bun.sleep(50);
    }
    await Bun.sleep(500); // let the udev monitor start following the log
    const iat = Math.floor(Date.now() / 1000);
    const token = signJwt({ user_id: "bench", role: "viewer", iat, exp: iat + 3600 }, BENCH_SECRET);
    const url = `ws://127.0.0.1:${port}/ws`;
    const rows: Array<[string, string]> = [];
    for (const clients of [1, 100]) {
      const result = await latency(v4l, url, token, clients);
      for (const [action, what] of [
        ["add", "add (probe included) → CONNECTED"],
        ["remove", "remove → DISCONNECTED"],
      ] as const) {
        const figures = result[action];
        rows.push([
          `${what}, ${clients} client${clients === 1 ? "" : "s"}`,
          `p50 ${figures.p50.toFixed(2)} ms, p99 ${figures.p99.toFixed(2)} ms (${figures.n} deliveries)`,
        ]);
      }
    }
    const result = await storm(v4l, url, token);
    rows.push([
      `storm: ${STORM_EVENTS} add/remove events over 16 devices`,
      `${Math.round(result.eventsPerSecond)} events/s; exact final state ${(result.settleMs - result.issueMs).toFixed(0)} ms after the last event (writing them took ${result.issueMs.toFixed(0)} ms)`,
    ]);
    console.log(`\nbench/hotplug on ${machineDescription()}`);
    console.log(
      "(agent: compiled binary, discovery mode event; fake udevadm = tail -F of an event log; fake v4l2-ctl = sh + cat)\n",
    );
    console.log("| measure | result |\n|---|---|");
    for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
  } finally {
    agent.kill("SIGTERM");
    await agent.exited;
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
