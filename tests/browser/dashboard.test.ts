// The web dashboard in a real browser: Debian's chromium driven headless by playwright-core,
// against the compiled agent binary, with the MediaMTX API simulator, a WHEP stand-in sending a
// real VP8 test pattern over WebRTC, a fake V4L2 world for a USB camera and the ONVIF
// simulator (its stream from the GStreamer RTSP server) for a PTZ camera
// (tests/support/dashboard-world.ts). Screenshots and the agent's log go to
// tests/.tmp/artifacts/ui/.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
import type { Role } from "../../agent/src/auth/roles.ts";
import {
  type DashboardWorld,
  startDashboardWorld,
  USB_CAMERA,
} from "../support/dashboard-world.ts";
import { eventually } from "../support/eventually.ts";
import { RpcClient } from "../support/rpc-client.ts";

const SHOTS = join(import.meta.dir, "../.tmp/artifacts/ui");

let world: DashboardWorld;
let browser: Browser;
let base = "";

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  world = await startDashboardWorld(join(SHOTS, "agent.log"));
  base = world.base;
  browser = await world.launchBrowser();
}, 120_000);

afterAll(async () => {
  const violations = world?.mediamtx.violations ?? [];
  await world?.stop();
  expect(violations).toEqual([]);
});

/** What the tests read of a page's <video> and <img> (this program has no DOM types). */
interface VideoElement {
  videoWidth: number;
  currentTime: number;
  muted: boolean;
  play(): Promise<void>;
}
interface ImageElement {
  naturalWidth: number;
}

interface Session {
  context: BrowserContext;
  page: Page;
  /** Console errors and uncaught exceptions the page reported. */
  errors: string[];
}

async function signedIn(
  role: Role,
  viewport = { width: 1280, height: 800 },
  prepare?: (context: BrowserContext) => Promise<void>,
): Promise<Session> {
  const context = await browser.newContext({ viewport });
  await prepare?.(context);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(message.text());
  });
  page.on("pageerror", (error) => errors.push(String(error)));
  await page.goto(`${base}/`);
  expect(new URL(page.url()).pathname).toBe("/login");
  await page.fill("#credential", world.keys[role]);
  await page.click("button[type=submit]");
  await page.waitForURL(`${base}/`);
  return { context, page, errors };
}

/** The USB camera's status badge on the session's page. */
const usbBadge = (session: Session): Locator =>
  session.page.locator(`[data-status-for="camera0"]`).first();

function unplugUsbCamera(): void {
  world.v4l.unplug("video0");
  world.v4l.event("remove", "video0");
}

async function badgeSays(badge: Locator, status: string): Promise<void> {
  await until(
    () => badge.textContent(),
    (text) => text === status,
  );
}

/** Plugs the USB camera back in (later tests expect it), waits for the badge, ends the session. */
async function replugAndClose(session: Session, badge: Locator): Promise<void> {
  world.v4l.plug(USB_CAMERA);
  world.v4l.event("add", "video0");
  await badgeSays(badge, "CONNECTED");
  expect(session.errors.filter((error) => !error.includes("Failed to load resource"))).toEqual([]);
  await session.context.close();
}

/** Polls `read` until `wanted` holds for its value (bounded); returns that value. */
async function until<T>(
  read: () => Promise<T>,
  wanted: (value: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  let last: T | undefined;
  await eventually(async () => {
    last = await read();
    return wanted(last);
  }, timeoutMs).catch((error: Error) => {
    throw new Error(`${error.message}; last value: ${JSON.stringify(last)}`);
  });
  return last as T;
}

/** Whether the player in `selector` shows moving video (a decoded frame, time advancing). */
async function playing(
  page: Page,
  selector: string,
): Promise<{ width: number; advanced: boolean }> {
  const video = page.locator(`${selector} video`);
  await until(
    () => video.evaluate((v: VideoElement) => v.videoWidth),
    (width) => width > 0,
    20_000,
  );
  const before = await video.evaluate((v: VideoElement) => v.currentTime);
  await Bun.sleep(1500);
  const after = await video.evaluate((v: VideoElement) => v.currentTime);
  return {
    width: await video.evaluate((v: VideoElement) => v.videoWidth),
    advanced: after > before,
  };
}

describe("dashboard", () => {
  test("signing in shows the camera grid; live video plays over WebRTC from the WHEP endpoint", async () => {
    const { context, page, errors } = await signedIn("admin");
    const cards = page.locator(".grid .card");
    await until(
      () => cards.count(),
      (count) => count === 2,
    );
    const usb = `[data-camera="camera0"]`;
    expect(await playing(page, usb)).toEqual({ width: 320, advanced: true });
    expect(await page.locator(`${usb} .live`).getAttribute("data-mode")).toBe("WebRTC");
    // Through the agent's relay: the browser never talked to MediaMTX, nor held its login.
    expect(
      world.whep.requests.some((request) => request.method === "POST" && request.status === 201),
    ).toBe(true);
    await page.screenshot({ path: join(SHOTS, "grid.png") });
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  test("start and stop recording on the camera page; the recording appears and plays", async () => {
    const { context, page, errors } = await signedIn("operator");
    await page.goto(`${base}/cameras/camera0`);
    await playing(page, "");
    await page.click("button[data-rpc=start_recording]");
    await page.waitForSelector("button[data-rpc=stop_recording]");
    await page.click("button[data-rpc=stop_recording]");
    await page.waitForSelector("button[data-rpc=start_recording]");
    await page.goto(`${base}/recordings?camera=camera0`);
    const video = page.locator(".files video").first();
    await video.evaluate((v: VideoElement) => {
      v.muted = true;
      return v.play();
    });
    await until(
      () => video.evaluate((v: VideoElement) => v.currentTime),
      (time) => time > 0.3,
    );
    expect(await video.evaluate((v: VideoElement) => v.videoWidth)).toBe(320);
    await page.screenshot({ path: join(SHOTS, "recordings.png") });
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  test("the PTZ pad moves the ONVIF camera and stops it on release", async () => {
    const { context, page, errors } = await signedIn("operator");
    await page.goto(`${base}/cameras/${world.onvifId}`);
    await playing(page, "");
    const before = world.camera.commands.length;
    const left = page.getByRole("button", { name: "Left" });
    await left.hover();
    await page.mouse.down();
    await eventually(() =>
      world.camera.commands.slice(before).some((command) => command.operation === "ContinuousMove"),
    );
    await page.mouse.up();
    await eventually(() =>
      world.camera.commands.slice(before).some((command) => command.operation === "Stop"),
    );
    const move = world.camera.commands
      .slice(before)
      .find((command) => command.operation === "ContinuousMove");
    expect(Number(move?.values?.x)).toBeLessThan(0);
    // From the keyboard: hold Enter on "Up" to move, release to stop.
    const keyed = world.camera.commands.length;
    await page.getByRole("button", { name: "Up" }).focus();
    await page.keyboard.down("Enter");
    await eventually(() =>
      world.camera.commands
        .slice(keyed)
        .some((command) => command.operation === "ContinuousMove" && Number(command.values?.y) > 0),
    );
    await page.keyboard.up("Enter");
    await eventually(() =>
      world.camera.commands.slice(keyed).some((command) => command.operation === "Stop"),
    );
    await page.screenshot({ path: join(SHOTS, "camera-ptz.png"), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);

  test("with WebRTC blocked the player falls back to HLS, and with HLS blocked too to stills", async () => {
    world.whep.blocked = true;
    try {
      const hls = await signedIn("viewer");
      const usb = `[data-camera="camera0"]`;
      expect(await playing(hls.page, usb)).toEqual({ width: 320, advanced: true });
      expect(await hls.page.locator(`${usb} .live`).getAttribute("data-mode")).toBe("HLS");
      expect(world.hls.requests.some((request) => request.status === 200)).toBe(true);
      await hls.context.close();

      world.hls.blocked = true;
      const { context, page } = await signedIn("viewer");
      const card = page.locator(`[data-camera="${world.onvifId}"] .live`);
      await until(
        () => card.getAttribute("data-mode"),
        (mode) => mode === "stills",
        30_000,
      );
      await until(
        () => card.locator("img").evaluate((img: ImageElement) => img.naturalWidth),
        (width) => width === 320,
      );
      await context.close();
    } finally {
      world.whep.blocked = false;
      world.hls.blocked = false;
    }
  }, 90_000);

  test("unplugging a camera turns its badge on the open grid", async () => {
    const session = await signedIn("viewer");
    const badge = usbBadge(session);
    expect(await badge.textContent()).toBe("CONNECTED");
    const started = performance.now();
    unplugUsbCamera();
    await badgeSays(badge, "DISCONNECTED");
    console.log(`badge turned ${Math.round(performance.now() - started)} ms after the unplug`);
    await replugAndClose(session, badge);
  }, 60_000);

  test("a change made before the page's socket opened still reaches its badge", async () => {
    // The page's API socket is held until the camera is unplugged: its notification reaches no
    // one, as while a socket reconnects.
    let release = () => {};
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    const session = await signedIn("viewer", undefined, (context) =>
      context.routeWebSocket(/\/ws\?/, async (socket) => {
        await held;
        socket.connectToServer();
      }),
    );
    const badge = usbBadge(session);
    expect(await badge.textContent()).toBe("CONNECTED");
    unplugUsbCamera();
    const watcher = await RpcClient.connect(`${base.replace("http", "ws")}/ws`);
    try {
      expect((await watcher.authenticate(world.keys.viewer)).error).toBeUndefined();
      await until(
        async () =>
          ((await watcher.result("get_camera_status", { device: "camera0" })) as { status: string })
            .status,
        (status) => status === "DISCONNECTED",
      );
    } finally {
      watcher.close();
    }
    expect(await badge.textContent()).toBe("CONNECTED");
    release();
    await badgeSays(badge, "DISCONNECTED");
    await replugAndClose(session, badge);
  }, 60_000);

  test("a viewer gets no admin pages, and the server refuses admin calls from a viewer session", async () => {
    const { context, page } = await signedIn("viewer", { width: 390, height: 844 });
    const nav = await page.locator("nav a").allTextContents();
    expect(nav).toEqual(["Cameras", "Recordings", "System"]);
    await playing(page, `[data-camera="camera0"]`);
    await page.screenshot({ path: join(SHOTS, "grid-phone-viewer.png") });
    for (const path of ["/keys", "/storage", "/cameras/add"]) {
      const response = await page.goto(`${base}${path}`);
      expect({ path, status: response?.status() }).toEqual({ path, status: 403 });
    }
    await page.goto(`${base}/`);
    // From the page itself, with its cookie and token: signed in, but as a viewer.
    const refused = (await page.evaluate(`(async () => {
      const csrf = document.body.dataset.csrf;
      const socket = new WebSocket("ws://" + location.host + "/ws?csrf=" + encodeURIComponent(csrf));
      await new Promise((resolve) => socket.addEventListener("open", resolve));
      const answer = new Promise((resolve) => socket.addEventListener("message", (e) => resolve(e.data)));
      socket.send(JSON.stringify({ jsonrpc: "2.0", id: 1, method: "create_api_key", params: { name: "x", role: "admin" } }));
      return JSON.parse(await answer);
    })()`)) as { error: { code: number } };
    expect(refused.error.code).toBe(-32002);
    await context.close();
  }, 60_000);

  test("a forged or signed-out cookie is refused; so is a state change without the anti-CSRF token", async () => {
    const { context, page } = await signedIn("admin");
    const cookies = await context.cookies();
    const session = cookies.find((cookie) => cookie.name === "camera_session");
    expect(session).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    const cookie = `camera_session=${session?.value}`;
    // Without the token: the live relay, sign-out, and a socket that would act for the session.
    const whepWithout = await fetch(`${base}/ui/live/camera0/whep`, {
      method: "POST",
      headers: { cookie, "content-type": "application/sdp" },
      body: "v=0",
    });
    expect(whepWithout.status).toBe(403);
    const logoutWithout = await fetch(`${base}/logout`, {
      method: "POST",
      headers: { cookie },
      redirect: "manual",
    });
    expect(logoutWithout.status).toBe(403);
    const socket = await RpcClient.connect(`${base.replace("http", "ws")}/ws`, {
      headers: { cookie },
    });
    const unauthenticated = await socket.call("get_camera_list", {});
    expect(unauthenticated.error?.code).toBe(-32001);
    socket.close();
    // Forged: a made-up session id is sent to sign-in.
    const forged = await fetch(`${base}/`, {
      headers: { cookie: "camera_session=forged-session-id", accept: "text/html" },
      redirect: "manual",
    });
    expect(forged.status).toBe(303);
    expect(forged.headers.get("location")).toStartWith("/login");
    // Signing out ends the session on the server: the old cookie no longer works, and another
    // tab of the same browser goes to the sign-in page by itself.
    const otherTab = await context.newPage();
    await otherTab.goto(`${base}/recordings?camera=camera0`);
    await page.click("header button[type=submit]");
    await page.waitForURL(/\/login/);
    await otherTab.waitForURL(`${base}/login?next=%2Frecordings%3Fcamera%3Dcamera0`);
    const replayed = await fetch(`${base}/`, {
      headers: { cookie, accept: "text/html" },
      redirect: "manual",
    });
    expect(replayed.status).toBe(303);
    await context.close();
  }, 60_000);

  test("a session ends when the token it was signed in with expires", async () => {
    // Long enough to sign in on a loaded machine; the test then waits for the expiry itself.
    const token = await world.cli("token", "--role", "viewer", "--ttl", "10s");
    const expiresAt =
      1000 * JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString()).exp;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.fill("#credential", token);
    await page.click("button[type=submit]");
    await page.waitForURL(`${base}/`);
    await Bun.sleep(Math.max(0, expiresAt - Date.now()) + 500);
    await page.goto(`${base}/system`);
    expect(new URL(page.url()).pathname).toBe("/login");
    await context.close();
  }, 60_000);

  test("admin pages: create a key (shown once), it signs in, revoke it; system and storage render", async () => {
    const { context, page, errors } = await signedIn("admin");
    await page.goto(`${base}/keys`);
    await page.fill("#key-name", "site-tablet");
    await page.selectOption("#key-role", "viewer");
    await page.click("form[data-rpc=create_api_key] button[type=submit]");
    const field = page.locator("#new-key-value");
    await until(
      () => field.inputValue(),
      (value) => value.startsWith("csk_"),
    );
    const key = await field.inputValue();
    await page.screenshot({ path: join(SHOTS, "keys.png") });
    const login = await fetch(`${base}/login`, {
      method: "POST",
      body: new URLSearchParams({ credential: key }),
      redirect: "manual",
    });
    expect(login.status).toBe(303);
    await page.reload();
    page.on("dialog", (dialog) => dialog.accept());
    await page
      .locator("tr", { hasText: "site-tablet" })
      .locator("button[data-rpc=revoke_api_key]")
      .click();
    await until(
      () => page.locator("tr", { hasText: "site-tablet" }).locator("td").nth(2).textContent(),
      (status) => status === "revoked",
    );
    for (const path of ["/system", "/storage", "/cameras/add"]) {
      const response = await page.goto(`${base}${path}`);
      expect({ path, status: response?.status() }).toEqual({ path, status: 200 });
      await page.screenshot({
        path: join(SHOTS, `${path.slice(1).replace("/", "-")}.png`),
        fullPage: true,
      });
    }
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});

describe("adding a camera", () => {
  test("an operator adds a camera by RTSP URL on the add page and lands on its page", async () => {
    const { context, page, errors } = await signedIn("operator");
    await page.goto(`${base}/cameras/add`);
    await page.fill("#rtsp-url", world.spareStream);
    await page.fill("#name", "Back door");
    await page.click("form[data-rpc=add_camera] button[type=submit]");
    await page.waitForURL(/\/cameras\/camera\d+$/);
    expect(await page.locator("h1").textContent()).toBe("Back door");
    expect(await page.locator(".facts").textContent()).toContain("rtsp");
    // A wrong address is refused with the agent's own words, and nothing is added.
    await page.goto(`${base}/cameras/add`);
    await page.fill("#rtsp-url", "http://not-rtsp.example/");
    await page.click("form[data-rpc=add_camera] button[type=submit]");
    await until(
      () => page.locator("#notice").textContent(),
      (text) => (text ?? "").includes("rtsp_url"),
    );
    expect(new URL(page.url()).pathname).toBe("/cameras/add");
    expect(errors).toEqual([]);
    await context.close();
  }, 60_000);
});

test("screenshots were kept", () => {
  expect(readdirSync(SHOTS).filter((name) => name.endsWith(".png")).length).toBeGreaterThanOrEqual(
    6,
  );
});
