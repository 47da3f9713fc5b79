// bench/media: snapshot latency (cold: no other reader; warm: the stream already flowing),
// path apply latency (camera event → MediaMTX path), and re-applying 16 cameras after a
// MediaMTX restart. Real ffmpeg and a GStreamer RTSP source; the MediaMTX API simulator.
// Run: npm run bench:media   (loopback only, bounded).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { eventually } from "../../tests/support/eventually.ts";
import { FakeV4l } from "../../tests/support/fake-v4l.ts";
import { RpcClient } from "../../tests/support/rpc-client.ts";
import { startRtspTestServer } from "../../tests/support/rtsp-test-server.ts";
import { startTestAgent } from "../../tests/support/test-agent.ts";
import { machineDescription } from "../machine.ts";

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[
    Math.min(values.length - 1, Math.floor((p / 100) * values.length))
  ] ?? Number.NaN;
const ms = (value: number) => `${value.toFixed(1)} ms`;

const dir = mkdtempSync(join(tmpdir(), "bench-media-"));
const rtsp = await startRtspTestServer(["camera0"]);
const v4l = new FakeV4l(join(dir, "v4l"));
v4l.plug({ node: "video0", port: "1-1", serial: "B0", probe: { fixture: "uvc-mjpeg-yuyv.txt" } });
const agent = await startTestAgent({
  log: { level: "warn" },
  mediamtx: { rtsp_url: rtsp.url },
  discovery: { usb: v4l.config({ mode: "event", poll_interval: "1h" }) },
});
const rows: Array<[string, string]> = [];
try {
  const operator = await RpcClient.connect(agent.wsUrl);
  await operator.authenticate(agent.token("operator"));
  await eventually(() => agent.mediamtx.pathConfigs().has("camera0"));

  const snapshot = async () => {
    const started = performance.now();
    await operator.result("take_snapshot", { device: "camera0" });
    return performance.now() - started;
  };
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) cold.push(await snapshot());
  const reader = Bun.spawn([
    "ffmpeg",
    "-loglevel",
    "quiet",
    "-rtsp_transport",
    "tcp",
    "-i",
    `${rtsp.url}/camera0`,
    "-f",
    "null",
    "-",
  ]);
  await Bun.sleep(2000);
  const warm: number[] = [];
  for (let i = 0; i < 5; i++) warm.push(await snapshot());
  reader.kill();
  rows.push([
    "take_snapshot, cold (no other reader; 5 runs)",
    `p50 ${ms(percentile(cold, 50))}, max ${ms(Math.max(...cold))}`,
  ]);
  rows.push([
    "take_snapshot, warm (stream already flowing; 5 runs)",
    `p50 ${ms(percentile(warm, 50))}, max ${ms(Math.max(...warm))}`,
  ]);

  const apply: number[] = [];
  for (let i = 0; i < 20; i++) {
    const node = `video${10 + (i % 2) * 2}`;
    v4l.plug({ node, port: "2-1", serial: "APPLY", probe: { fixture: "uvc-mjpeg-yuyv.txt" } });
    const started = performance.now();
    v4l.event("add", node);
    await eventually(() => agent.mediamtx.pathConfigs().has("camera1"), 10_000);
    apply.push(performance.now() - started);
    v4l.unplug(node);
    v4l.event("remove", node);
    await eventually(() => !agent.mediamtx.pathConfigs().has("camera1"), 10_000);
  }
  rows.push([
    "camera add event → its MediaMTX path exists (20 runs)",
    `p50 ${ms(percentile(apply, 50))}, p99 ${ms(percentile(apply, 99))}`,
  ]);

  for (let i = 0; i < 15; i++) {
    v4l.plug({
      node: `video${20 + i * 2}`,
      port: `3-${i + 1}`,
      serial: `M${i}`,
      probe: { fixture: "uvc-mjpeg-yuyv.txt" },
    });
  }
  await agent.agent.services.discovery?.reconcile();
  await eventually(() => agent.mediamtx.pathConfigs().size === 16, 10_000);
  const reapply: number[] = [];
  for (let i = 0; i < 5; i++) {
    agent.mediamtx.restart();
    const started = performance.now();
    await agent.agent.services.mediamtx.reconciler.apply();
    reapply.push(performance.now() - started);
  }
  rows.push([
    "re-apply 16 camera paths to a restarted (empty) MediaMTX (5 runs)",
    `p50 ${ms(percentile(reapply, 50))}, max ${ms(Math.max(...reapply))}`,
  ]);
  rows.push([
    "MediaMTX restart noticed",
    `within mediamtx.health_interval (${agent.config.mediamtx.health_interval} ms here, 5 s by default), then the re-apply above`,
  ]);
  await operator.close();
} finally {
  await agent.stop();
  rtsp.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\nbench/media on ${machineDescription()}\n`);
console.log("| measure | result |\n|---|---|");
for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
