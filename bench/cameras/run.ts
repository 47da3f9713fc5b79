// bench/cameras: network cameras. add_camera by ONVIF address and by RTSP URL → answered
// (checked and applied) → first frame readable (a snapshot from the stream); PTZ command round
// trip; snapshot through the camera's ONVIF snapshot URI vs one frame from the stream.
// The agent's real ONVIF client against our device simulator, the stream from GStreamer's
// RTSP server (with a Digest login), the MediaMTX API simulator.
// Run: npm run bench:cameras   (loopback only, bounded).
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OnvifSimulator } from "../../tests/support/onvif-simulator.ts";
import { RpcClient } from "../../tests/support/rpc-client.ts";
import { startRtspTestServer } from "../../tests/support/rtsp-test-server.ts";
import { freePort, startTestAgent } from "../../tests/support/test-agent.ts";
import { machineDescription } from "../machine.ts";
import { summary } from "../stats.ts";

const ROUNDS = 8;
const PTZ_ROUNDS = 200;
const timed = async (action: () => Promise<unknown>) => {
  const started = performance.now();
  await action();
  return performance.now() - started;
};

const login = { username: "admin", password: "bench-pw" };
const dir = mkdtempSync(join(tmpdir(), "bench-cameras-"));
const port = freePort();
const paths = Array.from({ length: ROUNDS }, (_, n) => `s${n}`);
const camera = await startRtspTestServer(paths, {
  port,
  login: { user: login.username, password: login.password },
});
// Stands in for MediaMTX's RTSP output: what a snapshot "from the stream" reads.
const mediamtxRtsp = await startRtspTestServer(
  Array.from({ length: 2 * ROUNDS + 1 }, (_, n) => `camera${n}`),
);
const still = join(dir, "still.jpg");
Bun.spawnSync([
  "ffmpeg",
  "-v",
  "error",
  "-f",
  "lavfi",
  "-i",
  "testsrc=size=1280x720",
  "-frames:v",
  "1",
  still,
]);
const simulators = paths.map((path) =>
  new OnvifSimulator({
    ...login,
    streamUris: { main: `rtsp://127.0.0.1:${port}/${path}` },
    snapshot: readFileSync(still),
  }).start(),
);
const agent = await startTestAgent({
  log: { level: "warn" },
  mediamtx: { rtsp_url: mediamtxRtsp.url },
  discovery: { usb: { enabled: false } },
});
const rows: Array<[string, string]> = [];
try {
  const operator = await RpcClient.connect(agent.wsUrl);
  await operator.authenticate(agent.token("operator"));

  const addOnvif: number[] = [];
  const addRtsp: number[] = [];
  const firstFrameRtsp: number[] = [];
  const onvifIds: string[] = [];
  const rtspIds: string[] = [];
  for (const [n, simulator] of simulators.entries()) {
    let id = "";
    const added = await timed(async () => {
      id = (
        (await operator.result("add_camera", {
          onvif_address: `127.0.0.1:${simulator.port}`,
          ...login,
        })) as { device: string }
      ).device;
    });
    addOnvif.push(added);
    onvifIds.push(id);
    let rtspId = "";
    const addedRtsp = await timed(async () => {
      rtspId = (
        (await operator.result("add_camera", {
          rtsp_url: `rtsp://127.0.0.1:${port}/${paths[n]}?direct`,
          ...login,
        })) as { device: string }
      ).device;
    });
    addRtsp.push(addedRtsp);
    rtspIds.push(rtspId);
    // First frame from the stream: what a viewer's player waits for (MediaMTX stand-in here).
    firstFrameRtsp.push(
      addedRtsp + (await timed(() => operator.result("take_snapshot", { device: rtspId }))),
    );
  }
  rows.push([
    `add_camera by ONVIF address → answered (connect, profile, URIs, RTSP check, path applied)`,
    summary(addOnvif),
  ]);
  rows.push([`add_camera by RTSP URL → answered (RTSP check, path applied)`, summary(addRtsp)]);
  rows.push([
    "add_camera by RTSP URL → first frame readable (answer + one frame from the stream)",
    summary(firstFrameRtsp),
  ]);

  const uri: number[] = [];
  const stream: number[] = [];
  for (let n = 0; n < ROUNDS; n++) {
    uri.push(await timed(() => operator.result("take_snapshot", { device: onvifIds[n] })));
    stream.push(await timed(() => operator.result("take_snapshot", { device: rtspIds[n] })));
  }
  rows.push([
    "take_snapshot through the ONVIF snapshot URI (HTTP Digest, 1280x720 JPEG)",
    summary(uri),
  ]);
  // Each RTSP camera had its first snapshot above, so a reader keeps its keyframes now.
  rows.push([
    "take_snapshot from the stream, the camera's second (its kept keyframe, decoded)",
    summary(stream),
  ]);

  const ptz: number[] = [];
  const device = onvifIds[0] ?? "camera0";
  await operator.result("ptz_home", { device });
  for (let n = 0; n < PTZ_ROUNDS; n++) {
    ptz.push(
      await timed(() =>
        operator.result("ptz_move", { device, mode: "absolute", pan: (n % 20) / 20, tilt: 0 }),
      ),
    );
  }
  rows.push(["ptz_move (absolute) round trip: client → agent → camera → client", summary(ptz)]);
  await operator.close();
} finally {
  await agent.stop();
  for (const simulator of simulators) simulator.stop();
  camera.stop();
  mediamtxRtsp.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log(`\nbench/cameras on ${machineDescription()}\n`);
console.log("| measure | result |\n|---|---|");
for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
