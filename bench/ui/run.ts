// bench/ui: the dashboard's grid in Debian's chromium (headless, playwright-core) against the
// compiled binary on loopback: first contentful paint, time to the first live frame (WebRTC
// through the agent's WHEP relay; and HLS with WebRTC blocked), and page weight (bytes
// transferred: document, script, stylesheet), cold (new browser profile) and warm (reload).
// The world is tests/support/dashboard-world.ts: two cameras, WHEP and HLS stand-ins.
// Run: npm run bench:ui   (needs dist/camera-agent-linux-x64: npm run build).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { startDashboardWorld } from "../../tests/support/dashboard-world.ts";
import { machineDescription } from "../machine.ts";
import { percentile, summary } from "../stats.ts";

const ROUNDS = 10;

// Before any page script: the moment the first <video> on the page decodes a frame.
const FIRST_FRAME_PROBE = `
  document.addEventListener("loadeddata", () => {
    if (window.__firstFrame === undefined) window.__firstFrame = performance.now();
  }, true);`;

interface Load {
  /** Request sent → first byte of the page: the agent's own share. */
  server: number;
  paint: number;
  frame: number;
  bytes: number;
}

const work = mkdtempSync(join(tmpdir(), "bench-ui-"));
const world = await startDashboardWorld(join(work, "agent.log"));
const rows: Array<[string, string]> = [];
try {
  const browser = await world.launchBrowser();
  const signedInContext = async (): Promise<BrowserContext> => {
    const context = await browser.newContext();
    await context.addInitScript(FIRST_FRAME_PROBE);
    const login = await context.request.post(`${world.base}/login`, {
      form: { credential: world.keys.viewer },
      maxRedirects: 0,
    });
    if (login.status() !== 303) throw new Error(`sign-in answered ${login.status()}`);
    return context;
  };
  const load = async (context: BrowserContext, reuse = false): Promise<Load> => {
    const page = reuse
      ? (context.pages()[0] ?? (await context.newPage()))
      : await context.newPage();
    if (reuse) await page.reload();
    else await page.goto(`${world.base}/`);
    // A function, not a string: the page's CSP forbids eval, which a string predicate needs.
    await page.waitForFunction(
      () => (globalThis as { __firstFrame?: number }).__firstFrame !== undefined,
      null,
      { timeout: 30_000 },
    );
    const figures = (await page.evaluate(`(() => {
      const paint = performance.getEntriesByName("first-contentful-paint")[0];
      const navigation = performance.getEntriesByType("navigation")[0];
      const resources = performance.getEntriesByType("resource")
        .filter((entry) => /\\/ui\\/app\\./.test(entry.name));
      const bytes = navigation.transferSize + resources.reduce((sum, entry) => sum + entry.transferSize, 0);
      return {
        server: navigation.responseStart - navigation.requestStart,
        paint: paint ? paint.startTime : NaN,
        frame: window.__firstFrame,
        bytes,
      };
    })()`)) as Load;
    return figures;
  };

  // The floor, in the same run and load: a bare page with a heading, from a bare Bun.serve.
  const bare = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: () =>
      new Response("<!doctype html><title>bare</title><h1>Cameras</h1>", {
        headers: { "Content-Type": "text/html" },
      }),
  });
  const floor: number[] = [];
  for (let n = 0; n < ROUNDS; n++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${bare.port}/`);
    await page.waitForFunction(
      () => performance.getEntriesByName("first-contentful-paint").length > 0,
    );
    floor.push(
      (await page.evaluate(
        () => performance.getEntriesByName("first-contentful-paint")[0]?.startTime,
      )) ?? Number.NaN,
    );
    await context.close();
  }
  bare.stop(true);

  const cold: Load[] = [];
  const warm: Load[] = [];
  for (let n = 0; n < ROUNDS; n++) {
    const context = await signedInContext();
    cold.push(await load(context));
    warm.push(await load(context, true));
    await context.close();
  }
  rows.push([
    "grid page: request → first byte (the agent renders it from the registry)",
    summary(cold.map((l) => l.server)),
  ]);
  rows.push(["first contentful paint, grid, cold", summary(cold.map((l) => l.paint))]);
  rows.push(["first contentful paint, a bare page from Bun.serve (the floor)", summary(floor)]);
  rows.push(["first contentful paint, grid, warm (reload)", summary(warm.map((l) => l.paint))]);
  rows.push([
    "navigation → first live frame (WebRTC via the WHEP relay), cold",
    summary(cold.map((l) => l.frame)),
  ]);
  rows.push(["navigation → first live frame (WebRTC), warm", summary(warm.map((l) => l.frame))]);
  rows.push([
    "page weight, grid, cold: document + script + stylesheet",
    `${percentile(
      cold.map((l) => l.bytes),
      50,
    )} bytes`,
  ]);
  rows.push([
    "page weight, grid, warm (script and stylesheet cached)",
    `${percentile(
      warm.map((l) => l.bytes),
      50,
    )} bytes`,
  ]);

  world.whep.blocked = true;
  const hls: Load[] = [];
  for (let n = 0; n < Math.ceil(ROUNDS / 2); n++) {
    const context = await signedInContext();
    hls.push(await load(context));
    await context.close();
  }
  world.whep.blocked = false;
  rows.push([
    "navigation → first live frame with WebRTC blocked (HLS via the relay)",
    summary(hls.map((l) => l.frame)),
  ]);
} finally {
  await world.stop();
  rmSync(work, { recursive: true, force: true });
}
console.log(`\nbench/ui on ${machineDescription()}\n`);
console.log("| measure | result |\n|---|---|");
for (const [name, value] of rows) console.log(`| ${name} | ${value} |`);
