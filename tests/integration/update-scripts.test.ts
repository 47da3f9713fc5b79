// provisioning/update/ (what the fleet playbooks run on a device) against a real agent: the
// pre-checks and post-checks, and every way the install script refuses before it hands a
// bundle to `camera-agent update install`. Installing itself is proven in QEMU
// (tests/e2e/update-x86-64.test.ts), where RAUC and the A/B slots are real.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildInfo } from "../../agent/src/build-info.ts";
import { agentOnCamera } from "../support/agent-on-camera.ts";
import { oneCameraWorld } from "../support/fake-v4l.ts";
import { freePort } from "../support/test-agent.ts";

const SCRIPTS = join(import.meta.dir, "../../provisioning/update");
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Run asynchronously: the agent and the bundle server answer from this same process. */
async function script(
  name: string,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = Bun.spawn([join(SCRIPTS, name), ...args], { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

async function recordingAgent() {
  const v4l = oneCameraWorld("UPD", cleanups);
  const { agent, rpc } = await agentOnCamera(v4l, cleanups, "operator", {
    state: { dir: join(v4l.dir, "state") },
  });
  return {
    agent,
    rpc,
    port: new URL(agent.httpUrl).port,
    dataDir: agent.config.state.dir,
  };
}

describe("provisioning/update scripts", () => {
  test("preflight: ready, room, no recording; a running recording stops it unless --force", async () => {
    const { rpc, port, dataDir } = await recordingAgent();
    const base = ["--health-port", port, "--data-dir", dataDir, "--need-mib", "1"];
    const clear = await script("preflight", ...base);
    expect(clear.stderr).toBe("");
    expect(clear.code).toBe(0);
    expect(clear.stdout).toContain("preflight: agent: ready");
    expect(clear.stdout).toMatch(/preflight: space: \d+ MiB free on /);
    expect(clear.stdout).toContain("preflight: recordings: 0 running");

    await rpc.result("start_recording", { device: "camera0" });
    const busy = await script("preflight", ...base);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toContain(
      "preflight: recordings: 1 running; stop them, or pass --force to end them with the update",
    );
    const forced = await script("preflight", ...base, "--force");
    expect(forced.code).toBe(0);
    expect(forced.stdout).toContain("preflight: recordings: 1 running");

    const full = await script("preflight", ...base.slice(0, 4), "--need-mib", "999999999");
    expect(full.code).toBe(1);
    expect(full.stderr).toMatch(/preflight: space: \d+ MiB free on .+, 999999999 MiB needed/);
  });

  test("preflight and verify name an agent that does not answer, and bad options", async () => {
    const dead = String(freePort());
    const down = await script("preflight", "--health-port", dead, "--data-dir", tmpdir());
    expect(down.code).toBe(1);
    expect(down.stderr).toContain(`preflight: agent: not answering on http://127.0.0.1:${dead}`);
    const late = await script(
      "verify",
      "--agent-version",
      "1.0.0",
      "--health-port",
      dead,
      "--timeout",
      "1",
    );
    expect(late.code).toBe(1);
    expect(late.stderr).toContain("verify: agent: not ready within 1 s");
    const bad = await script("preflight", "--need-mib", "lots");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('preflight: --need-mib needs a whole number, not "lots"');
    expect((await script("verify")).stderr).toContain(
      "verify: what should it check? give --agent-version, --system-version or --slot",
    );
    expect(
      (await script("preflight", "--data-dir", "/nonexistent", "--health-port", dead)).code,
    ).toBe(1);
  });

  test("verify: the expected version passes; another is named", async () => {
    const { port } = await recordingAgent();
    const good = await script(
      "verify",
      "--agent-version",
      buildInfo.version,
      "--health-port",
      port,
    );
    expect(good.stderr).toBe("");
    expect(good.code).toBe(0);
    expect(good.stdout).toContain(`verify: agent version: ${buildInfo.version}`);
    const other = await script("verify", "--agent-version", "9.9.9", "--health-port", port);
    expect(other.code).toBe(1);
    expect(other.stderr).toContain(
      `verify: agent version: running ${buildInfo.version}, expected 9.9.9`,
    );
  });

  test("install refuses before installing: bad sources, plain http without a pin, a sha256 mismatch", async () => {
    const dir = mkdtempSync(join(tmpdir(), "update-scripts-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const bundle = join(dir, "update.raucb");
    writeFileSync(bundle, "not really a bundle");
    const server = Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: () => new Response(Bun.file(bundle)),
    });
    cleanups.push(() => void server.stop(true));
    const url = `http://127.0.0.1:${server.port}/update.raucb`;
    const downloads = () =>
      readdirSync("/var/tmp").filter((name) => name.startsWith("camera-update."));
    const before = downloads();

    expect((await script("install")).stderr).toContain("install: which bundle?");
    expect((await script("install", "relative.raucb")).stderr).toContain(
      "install: SOURCE must be an absolute path or an http(s) URL: relative.raucb",
    );
    expect((await script("install", join(dir, "missing.raucb"))).stderr).toContain(
      `install: ${join(dir, "missing.raucb")}: no such file`,
    );
    expect((await script("install", url)).stderr).toContain(
      "install: a plain http URL needs --sha256 (or use https)",
    );
    expect((await script("install", url, "--sha256", "abc")).stderr).toContain(
      "install: --sha256 needs 64 hex digits",
    );
    const oddVersion = await script("install", bundle, "--expect-version", "2.0; reboot");
    expect(oddVersion.code).toBe(2);
    expect(oddVersion.stderr).toContain("install: --expect-version: not a version: 2.0; reboot");
    const wrong = await script("install", url, "--sha256", "0".repeat(64));
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(
      /install: sha256 mismatch: .+ is [0-9a-f]{64}, expected 0{64}; nothing installed/,
    );
    // The download is gone again.
    expect(downloads()).toEqual(before);
  });
});
