// camera-agent backup restore with the compiled binary (issue 13): a round trip onto a fresh
// state, refusals that change nothing, and kill -9 at random points of a restore.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase } from "../../agent/src/state/database.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { freePort } from "../support/test-agent.ts";

const BINARY = join(import.meta.dir, "../../dist/camera-agent-linux-x64");
const dir = mkdtempSync(join(tmpdir(), "camera-agent-restore-"));
const etc = join(dir, "etc");
const state = join(dir, "state");
const configFile = join(etc, "config.yaml");
const port = freePort();
const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir, CONFIGURATION_DIRECTORY: etc };
// What a restore puts in place; each must be entirely from one archive or the other.
const TARGETS = [
  configFile,
  join(etc, "admin-api-key"),
  join(etc, "mediamtx.yml"),
  join(state, "jwt-secret"),
  join(state, "api-keys.json"),
  join(state, "mediamtx-credentials.json"),
  join(state, "agent.db"),
];

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = Bun.spawnSync([BINARY, ...args], { env });
  return {
    code: result.exitCode,
    stdout: result.stdout.toString(),
    stderr: result.stderr.toString(),
  };
}

/** A box from scratch: config, init's secrets and admin key, a camera, a retention policy. */
function freshBox(cameraName: string): string {
  rmSync(etc, { recursive: true, force: true });
  rmSync(state, { recursive: true, force: true });
  mkdirSync(etc, { recursive: true });
  writeFileSync(
    configFile,
    `server:\n  host: 127.0.0.1\n  port: ${port}\nhealth:\n  port: 0\nstate:\n  dir: ${state}\nstorage:\n  root: ${join(dir, "media")}\ndiscovery:\n  usb:\n    enabled: false\n`,
  );
  // The shipped MediaMTX template: the rendered file holds the agent's password hash.
  writeFileSync(
    join(dir, "template.yml"),
    readFileSync(join(import.meta.dir, "../../config/mediamtx.yml")),
  );
  const init = cli(
    "init",
    "--config",
    configFile,
    "--mediamtx-template",
    join(dir, "template.yml"),
  );
  expect(init.code).toBe(0);
  const db = openDatabase(join(state, "agent.db"));
  db.query(
    "INSERT INTO cameras (id, number, identity, kind, name, created_at) VALUES ('camera3', 3, 'usb:cafe', 'usb', ?, '2026-12-01T00:00:00Z')",
  ).run(cameraName);
  db.query("INSERT INTO settings (key, value) VALUES ('retention_policy', ?)").run(
    JSON.stringify({ policy_type: "age", enabled: true, max_age_days: 9 }),
  );
  db.close();
  return readFileSync(join(etc, "admin-api-key"), "utf8").trim();
}

/** sha256 of every target (or "absent"): the state a restore must leave whole. */
function snapshot(): string[] {
  return TARGETS.map((path) =>
    existsSync(path) ? createHash("sha256").update(readFileSync(path)).digest("hex") : "absent",
  );
}

async function withAgent<T>(body: (url: string) => Promise<T>): Promise<T> {
  const agent = Bun.spawn([BINARY, "run", "--config", configFile], {
    env,
    stdout: "ignore",
    stderr: "ignore",
  });
  try {
    const url = `ws://127.0.0.1:${port}/ws`;
    for (let tries = 0; tries < 150; tries++) {
      const ok = await fetch(`http://127.0.0.1:${port}/health/ready`).then(
        (response) => response.ok,
        () => false,
      );
      if (ok) return await body(url);
      await Bun.sleep(100);
    }
    throw new Error("the agent did not become ready");
  } finally {
    agent.kill("SIGTERM");
    await agent.exited;
  }
}

let oldKey: string;
let oldMediamtx: string;
let archive: string;
let fresh: string;

beforeAll(() => {
  expect(existsSync(BINARY)).toBe(true);
  oldKey = freshBox("Gate");
  oldMediamtx = readFileSync(join(state, "mediamtx-credentials.json"), "utf8");
  const created = cli(
    "backup",
    "create",
    "--config",
    configFile,
    "--output",
    join(dir, "box.tar.gz"),
  );
  expect(created.code).toBe(0);
  archive = created.stdout.trim();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("a round trip onto a fresh box: the old admin key authenticates, camera ids and names and the retention policy are back", async () => {
  // A new card: new secrets, a new admin key, another camera name.
  const newKey = freshBox("Other");
  expect(newKey).not.toBe(oldKey);
  fresh = cli(
    "backup",
    "create",
    "--config",
    configFile,
    "--output",
    join(dir, "fresh.tar.gz"),
  ).stdout.trim();
  const dry = cli("backup", "restore", archive, "--config", configFile, "--dry-run");
  expect(dry.code).toBe(0);
  expect(dry.stderr).toContain(`replace ${join(state, "agent.db")}`);
  expect(dry.stderr).toContain("dry run: nothing changed");
  const restored = cli("backup", "restore", archive, "--config", configFile);
  expect(restored).toMatchObject({ code: 0 });
  expect(restored.stdout).toContain("camera-agent was not running: start it now");
  await withAgent(async (url) => {
    const client = await RpcClient.connect(url);
    expect((await client.authenticate(oldKey)).result).toMatchObject({ role: "admin" });
    const listed = (await client.result("get_camera_list")) as {
      cameras: Array<{ device: string; name?: string }>;
    };
    expect(listed.cameras.map((camera) => camera.device)).toContain("camera3");
    expect((await client.authenticate(newKey)).error?.code).toBe(-32001);
    await client.close();
  });
  // The agent's MediaMTX login is the old one, and mediamtx.yml holds its hash: they match.
  const mediamtx = JSON.parse(readFileSync(join(state, "mediamtx-credentials.json"), "utf8")) as {
    password: string;
  };
  expect(readFileSync(join(state, "mediamtx-credentials.json"), "utf8")).toBe(oldMediamtx);
  expect(readFileSync(join(etc, "mediamtx.yml"), "utf8")).toContain(
    createHash("sha256").update(mediamtx.password).digest("base64"),
  );
  const db = new Database(join(state, "agent.db"), { readonly: true });
  expect(db.query("SELECT name FROM cameras WHERE id = 'camera3'").get()).toEqual({ name: "Gate" });
  expect(db.query("SELECT value FROM settings WHERE key = 'retention_policy'").get()).toEqual({
    value: JSON.stringify({ policy_type: "age", enabled: true, max_age_days: 9 }),
  });
  db.close();
}, 60_000);

test("a damaged archive is refused with its reason and nothing on the box changes", () => {
  const before = snapshot();
  const damaged = join(dir, "damaged.tar.gz");
  writeFileSync(damaged, readFileSync(archive).subarray(0, 200));
  const result = cli("backup", "restore", damaged, "--config", configFile);
  expect(result.code).toBe(1);
  expect(result.stderr).toContain("truncated or damaged");
  expect(snapshot()).toEqual(before);
});

test("killed after each step of the commit in turn: before the last step the old files are back, after it the new ones stand, whole", () => {
  expect(cli("backup", "restore", fresh, "--config", configFile).code).toBe(0);
  const freshState = snapshot().join();
  expect(cli("backup", "restore", archive, "--config", configFile).code).toBe(0);
  const archiveState = snapshot().join();
  // One step a file the plan lists, and the journal's commit.
  const plan = cli("backup", "restore", fresh, "--config", configFile, "--dry-run").stderr;
  const steps =
    plan.split("\n").filter((line) => /^ {2}(replace|create|remove) /.test(line)).length + 1;
  expect(steps).toBeGreaterThanOrEqual(8);
  for (let crashAfter = 1; crashAfter <= steps; crashAfter++) {
    const killed = Bun.spawnSync([BINARY, "backup", "restore", fresh, "--config", configFile], {
      env: { ...env, CAMERA_AGENT_TEST_RESTORE_CRASH_AFTER: String(crashAfter) },
    });
    expect({ crashAfter, signal: killed.signalCode }).toEqual({ crashAfter, signal: "SIGKILL" });
    expect(
      cli("init", "--config", configFile, "--mediamtx-template", join(dir, "template.yml")).stdout,
    ).toContain(crashAfter < steps ? "rolled back" : "completed");
    const expected = crashAfter < steps ? archiveState : freshState;
    expect({ crashAfter, whole: snapshot().join() === expected }).toEqual({
      crashAfter,
      whole: true,
    });
    // Back to the archive's files for the next step.
    if (crashAfter === steps)
      expect(cli("backup", "restore", archive, "--config", configFile).code).toBe(0);
  }
}, 120_000);

test("kill -9 at random points of 100 restores: every time the box holds one archive's files whole, and the agent starts", async () => {
  // Start from a known whole state, then alternate between the two archives.
  expect(cli("backup", "restore", fresh, "--config", configFile).code).toBe(0);
  const states = new Map<string, string>([[snapshot().join(), fresh]]);
  expect(cli("backup", "restore", archive, "--config", configFile).code).toBe(0);
  states.set(snapshot().join(), archive);
  expect(states.size).toBe(2);
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const outcomes = { old: 0, new: 0 };
  let current = archive;
  for (let round = 0; round < 100; round++) {
    const target = current === archive ? fresh : archive;
    const child = Bun.spawn([BINARY, "backup", "restore", target, "--config", configFile], {
      env,
      stdout: "ignore",
      stderr: "ignore",
    });
    // A restore takes about 0.5 s here: kill before, during and after its commit.
    await Bun.sleep(Math.floor(next() * 700));
    child.kill("SIGKILL");
    await child.exited;
    // What the service's start does first (ExecStartPre): finish or undo a cut-short restore.
    expect(
      cli("init", "--config", configFile, "--mediamtx-template", join(dir, "template.yml")).code,
    ).toBe(0);
    const now = states.get(snapshot().join());
    expect({ round, whole: now !== undefined }).toEqual({ round, whole: true });
    if (now === current) outcomes.old++;
    else outcomes.new++;
    current = now as string;
  }
  console.log(
    `restore killed 100 times: old files kept ${outcomes.old}, new files complete ${outcomes.new}`,
  );
  expect(outcomes.old).toBeGreaterThan(0);
  expect(outcomes.new).toBeGreaterThan(0);
  await withAgent(async (url) => {
    const client = await RpcClient.connect(url);
    const key =
      current === archive ? oldKey : readFileSync(join(etc, "admin-api-key"), "utf8").trim();
    expect((await client.authenticate(key)).result).toMatchObject({ role: "admin" });
    await client.close();
  });
}, 300_000);
