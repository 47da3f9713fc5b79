// Everything the dashboard shows, for the browser tests and the UI benchmark: the compiled
// agent binary, the MediaMTX API simulator, WHEP and HLS stand-ins with real test patterns, a
// fake V4L2 world with one USB camera, and an ONVIF PTZ camera (the simulator, its stream from
// the GStreamer RTSP server) added as "Gate PTZ"; an API key per role; and Debian's chromium.

import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium } from "playwright-core";
import type { Role } from "../../agent/src/auth/roles.ts";
import { MEDIA_AUTH_PATH } from "../../agent/src/mediamtx/media-auth-path.ts";
import { eventually } from "./eventually.ts";
import { FakeV4l, type Plug } from "./fake-v4l.ts";
import { HlsStandIn } from "./hls-stand-in.ts";
import { MediaMtxSimulator } from "./mediamtx-simulator.ts";
import { OnvifSimulator } from "./onvif-simulator.ts";
import { RpcClient } from "./rpc-client.ts";
import { startRtspTestServer } from "./rtsp-test-server.ts";
import { freePort } from "./test-agent.ts";
import { WhepStandIn } from "./whep-stand-in.ts";

const BINARY = join(import.meta.dir, "../../dist/camera-agent-linux-x64");
const MEDIAMTX_LOGIN = { user: "agent", password: "mediamtx-test-password-0123" };
/** The USB camera as plugged in at the start (tests unplug and replug it). */
export const USB_CAMERA: Plug = {
  node: "video0",
  port: "1-1",
  serial: "UI0001",
  probe: { fixture: "uvc-mjpeg-yuyv.txt" },
};

export interface DashboardWorld {
  base: string;
  config: string;
  keys: Record<Role, string>;
  /** The ONVIF camera's id (the USB camera is camera0). */
  onvifId: string;
  /** A stream no camera uses yet (for adding one by RTSP URL). */
  spareStream: string;
  mediamtx: MediaMtxSimulator;
  whep: WhepStandIn;
  hls: HlsStandIn;
  camera: OnvifSimulator;
  v4l: FakeV4l;
  /** Runs the binary's CLI on this world's config; stdout, trimmed. */
  cli(...args: string[]): Promise<string>;
  launchBrowser(): Promise<Browser>;
  stop(): Promise<void>;
}

/** `logFile`: where the agent's own log goes (kept as an artifact). */
export async function startDashboardWorld(logFile: string): Promise<DashboardWorld> {
  if (!existsSync(BINARY)) throw new Error(`${BINARY} is missing: run "npm run build" first`);
  const dir = mkdtempSync(join(tmpdir(), "camera-agent-ui-"));
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir };
  const port = freePort();
  const healthPort = freePort();
  const base = `http://127.0.0.1:${port}`;
  const stops: Array<() => Promise<void> | void> = [
    () => rmSync(dir, { recursive: true, force: true }),
  ];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step();
  };
  try {
    const testsrc = ["-f", "lavfi", "-i", "testsrc=size=320x240:rate=15"];
    // What MediaMTX writes: fragmented MP4 with H.264; a browser plays it as it is.
    const segment = await ffmpegFile(join(dir, "segment.mp4"), [
      ...[...testsrc, "-t", "2", "-c:v", "libx264", "-pix_fmt", "yuv420p"],
      ...["-movflags", "+frag_keyframe+empty_moov+default_base_moof"],
    ]);
    const jpeg = await ffmpegFile(join(dir, "still.jpg"), [...testsrc, "-frames:v", "1"]);
    const mediamtx = new MediaMtxSimulator({ credentials: MEDIAMTX_LOGIN, segment }).start();
    stops.push(() => mediamtx.stop());
    const whep = await new WhepStandIn({
      simulator: mediamtx,
      authHook: `${base}${MEDIA_AUTH_PATH}`,
    }).start();
    stops.push(() => whep.stop());
    const hls = await new HlsStandIn({
      simulator: mediamtx,
      authHook: `${base}${MEDIA_AUTH_PATH}`,
    }).start();
    stops.push(() => hls.stop());
    const rtsp = await startRtspTestServer(["main", "spare"]);
    stops.push(() => rtsp.stop());
    const camera = new OnvifSimulator({
      username: "admin",
      password: "ui-test-pw",
      streamUris: { main: `${rtsp.url}/main`, sub: `${rtsp.url}/main` },
      snapshot: jpeg,
    }).start();
    stops.push(() => camera.stop());
    const v4l = new FakeV4l(join(dir, "v4l"));
    v4l.plug(USB_CAMERA);

    const config = join(dir, "config.yaml");
    writeFileSync(
      config,
      JSON.stringify({
        server: { host: "127.0.0.1", port },
        health: { port: healthPort },
        state: { dir: join(dir, "state") },
        storage: { root: join(dir, "media") },
        mediamtx: {
          api_url: mediamtx.url,
          binary: "",
          health_interval: "200ms",
          api_user: MEDIAMTX_LOGIN.user,
          api_password: MEDIAMTX_LOGIN.password,
        },
        streams: { webrtc_port: whep.port, hls_port: hls.port },
        discovery: { usb: v4l.config({ mode: "event" }), onvif: { interface: "lo" } },
      }),
    );
    const cli = async (...args: string[]) => {
      const child = Bun.spawn([BINARY, ...args, "--config", config], {
        env,
        stdout: "pipe",
        stderr: "pipe",
      });
      const [stdout, stderr, code] = await Promise.all([
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
        child.exited,
      ]);
      if (code !== 0) throw new Error(`camera-agent ${args.join(" ")}: ${stderr}`);
      return stdout.trim();
    };
    const keys = { admin: "", operator: "", viewer: "" };
    for (const role of ["admin", "operator", "viewer"] as const) {
      keys[role] = await cli("keys", "create", "--role", role, "--name", `ui-${role}`);
    }
    mkdirSync(join(logFile, ".."), { recursive: true });
    const agent = Bun.spawn([BINARY, "run", "--config", config], {
      env,
      stdout: Bun.file(logFile),
      stderr: "inherit",
    });
    stops.push(async () => {
      agent.kill("SIGTERM");
      await agent.exited;
    });
    await eventually(
      () =>
        fetch(`http://127.0.0.1:${healthPort}/health/ready`).then(
          (response) => response.status === 200,
          () => false,
        ),
      20_000,
    );
    const operator = await RpcClient.connect(`ws://127.0.0.1:${port}/ws`);
    await operator.authenticate(keys.operator);
    const added = (await operator.result("add_camera", {
      onvif_address: `127.0.0.1:${camera.port}`,
      username: "admin",
      password: "ui-test-pw",
      name: "Gate PTZ",
    })) as { device: string };
    await operator.close();
    return {
      base,
      config,
      keys,
      onvifId: added.device,
      spareStream: `${rtsp.url}/spare`,
      mediamtx,
      whep,
      hls,
      camera,
      v4l,
      cli,
      async launchBrowser() {
        const browser = await chromium.launch({
          executablePath: "/usr/bin/chromium",
          // As root in CI: no sandbox. The rest keeps chromium off the (closed) network.
          args: [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
          ],
        });
        stops.push(() => browser.close());
        return browser;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A short real media file made by ffmpeg (a test pattern), as bytes. */
async function ffmpegFile(path: string, args: string[]): Promise<Uint8Array> {
  const child = Bun.spawn(["ffmpeg", "-hide_banner", "-loglevel", "error", ...args, "-y", path], {
    stdout: "ignore",
    stderr: "pipe",
  });
  if ((await child.exited) !== 0) throw new Error(await new Response(child.stderr).text());
  return new Uint8Array(await Bun.file(path).arrayBuffer());
}
