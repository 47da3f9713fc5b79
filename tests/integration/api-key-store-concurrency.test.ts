// Every acknowledged `keys create` / `keys revoke` persists, however many run at once: in one
// process (async calls interleaving) and across processes (the CLI run twice at once).
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiKeyStore } from "../../agent/src/auth/api-keys.ts";

const REPO = join(import.meta.dir, "../..");
const dir = mkdtempSync(join(tmpdir(), "camera-agent-keys-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("API key store under concurrent writers", () => {
  test("in one process: a revoke and eight creates at once all persist", async () => {
    const store = new ApiKeyStore(join(dir, "one-process", "api-keys.json"));
    await store.create({ name: "victim", role: "admin" });
    const [revoked, ...created] = await Promise.all([
      store.revoke("victim"),
      ...Array.from({ length: 8 }, (_, i) => store.create({ name: `key${i}`, role: "viewer" })),
    ]);
    expect(revoked?.revoked_at).not.toBeNull();
    const records = await store.records();
    expect(records.find((record) => record.name === "victim")?.revoked_at).not.toBeNull();
    expect(records.map((record) => record.name).sort()).toEqual(
      [
        "victim",
        ...created.map((result) => (result as { record: { name: string } }).record.name),
      ].sort(),
    );
  });

  test("across processes: the CLI run in parallel loses no acknowledged change", async () => {
    const state = join(dir, "cli");
    const config = join(dir, "cli.yaml");
    writeFileSync(config, `state:\n  dir: ${state}\nstorage:\n  root: ${state}\n`);
    const cli = async (...args: string[]) => {
      const child = Bun.spawn(
        [process.execPath, join(REPO, "agent/src/main.ts"), ...args, "--config", config],
        { stdout: "pipe", stderr: "pipe" },
      );
      const [stdout, stderr, code] = await Promise.all([
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
        child.exited,
      ]);
      return { stdout, stderr, code };
    };
    expect((await cli("keys", "create", "--role", "admin", "--name", "victim")).code).toBe(0);
    const results = await Promise.all([
      cli("keys", "revoke", "victim"),
      ...Array.from({ length: 6 }, (_, i) =>
        cli("keys", "create", "--role", "viewer", "--name", `p${i}`),
      ),
    ]);
    for (const result of results)
      expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
    const listed = JSON.parse((await cli("keys", "list", "--json")).stdout) as Array<{
      name: string;
      status: string;
    }>;
    expect(listed.find((key) => key.name === "victim")?.status).toBe("revoked");
    expect(listed.filter((key) => key.name.startsWith("p")).map((key) => key.status)).toEqual(
      Array(6).fill("active"),
    );
  }, 60_000);

  test("a lock left by a process that died is taken over", async () => {
    const path = join(dir, "stale", "api-keys.json");
    const store = new ApiKeyStore(path);
    await store.create({ name: "first", role: "viewer" });
    const gone = Bun.spawn(["true"]);
    await gone.exited;
    writeFileSync(`${path}.lock`, `${gone.pid}\n`);
    await store.create({ name: "second", role: "viewer" });
    expect((await store.records()).map((record) => record.name)).toEqual(["first", "second"]);
  });
});
