// Config backups through the API: create_backup, list_backups, delete_backup and the admin-only
// /files/backups/ download, against a real agent writing real archives.
import { afterEach, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { verifyBackup } from "../../agent/src/backup/backup-archive.ts";
import { ARCHIVE_NAME } from "../../agent/src/backup/backup-location.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Shown {
  filename: string;
  file_size: number;
  created_time: string;
  encrypted: boolean;
  download_url: string;
}

async function session(agent: TestAgent, role: "admin" | "operator"): Promise<RpcClient> {
  const client = await RpcClient.connect(agent.wsUrl);
  cleanups.push(async () => void (await client.close()));
  await client.authenticate(agent.token(role));
  return client;
}

async function agentWithConfig(keep = 7): Promise<TestAgent> {
  const agent = await startTestAgent({ backup: { keep } });
  cleanups.push(() => agent.stop());
  mkdirSync(join(agent.dir, "etc"), { recursive: true });
  writeFileSync(join(agent.dir, "etc", "admin-api-key"), "csk_example\n", { mode: 0o640 });
  return agent;
}

describe("backups through the API", () => {
  test("create_backup writes a verified 0600 archive of config and state; list, download, delete", async () => {
    const agent = await agentWithConfig();
    const admin = await session(agent, "admin");
    const created = (await admin.result("create_backup")) as Shown;
    expect(created.filename).toMatch(ARCHIVE_NAME);
    expect(created.encrypted).toBe(false);
    const path = join(agent.dir, "backups", created.filename);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(path).size).toBe(created.file_size);
    const { manifest } = await verifyBackup(path, undefined);
    expect(manifest.files.map((file) => file.path)).toEqual(
      expect.arrayContaining(["config/admin-api-key", "state/agent.db"]),
    );

    const listed = (await admin.result("list_backups")) as { backups: Shown[]; total: number };
    expect(listed.total).toBe(1);
    expect(listed.backups[0]?.filename).toBe(created.filename);

    // The signed URL, as a browser would use it: the archive's own bytes.
    const download = await fetch(created.download_url);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("application/gzip");
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(
      new Uint8Array(readFileSync(path)),
    );
    const byName = `${agent.httpUrl}/files/backups/${created.filename}`;
    expect((await fetch(byName)).status).toBe(401);
    const as = (role: "admin" | "operator") =>
      fetch(byName, { headers: { Authorization: `Bearer ${agent.token(role)}` } });
    expect((await as("operator")).status).toBe(403);
    expect((await as("admin")).status).toBe(200);
    // A recording's token does not open a backup of the same name.
    const token = new URL(created.download_url).searchParams.get("token") ?? "";
    const elsewhere = `${agent.httpUrl}/files/recordings/${created.filename}?token=${token}`;
    expect((await fetch(elsewhere)).status).toBe(401);

    const deleted = await admin.result("delete_backup", { filename: created.filename });
    expect(deleted).toEqual(expect.objectContaining({ deleted: true }));
    expect(((await admin.result("list_backups")) as { total: number }).total).toBe(0);
    expect((await as("admin")).status).toBe(404);
  });

  test("admin only; bad names refused, unknown ones not found; nothing else in the directory is touched", async () => {
    const agent = await agentWithConfig();
    const operator = await session(agent, "operator");
    for (const method of ["create_backup", "list_backups"]) {
      expect((await operator.call(method)).error?.code).toBe(-32002);
    }
    expect(
      (await operator.call("delete_backup", { filename: "camera-agent-x-20260101T000000Z.tar.gz" }))
        .error?.code,
    ).toBe(-32002);
    const admin = await session(agent, "admin");
    for (const filename of ["../agent.db", "/etc/passwd", "", "a/b"]) {
      expect((await admin.call("delete_backup", { filename })).error?.code).toBe(-32602);
    }
    mkdirSync(join(agent.dir, "backups"), { recursive: true });
    writeFileSync(join(agent.dir, "backups", "notes.txt"), "keep me");
    const missing = await admin.call("delete_backup", { filename: "notes.txt" });
    expect(missing.error?.code).toBe(-32010);
    expect(readFileSync(join(agent.dir, "backups", "notes.txt"), "utf8")).toBe("keep me");
    expect(((await admin.result("list_backups")) as { total: number }).total).toBe(0);
  });

  test("creates keep the newest backup.keep archives; concurrent creates make one", async () => {
    const agent = await agentWithConfig(2);
    const dir = join(agent.dir, "backups");
    mkdirSync(dir, { recursive: true });
    for (const stamp of ["20200101T000000Z", "20210101T000000Z", "20220101T000000Z"]) {
      writeFileSync(join(dir, `camera-agent-old-${stamp}.tar.gz`), "old", { mode: 0o600 });
    }
    const admin = await session(agent, "admin");
    const [first, second] = (await Promise.all([
      admin.result("create_backup"),
      admin.result("create_backup"),
    ])) as Shown[];
    expect(second?.filename).toBe(first?.filename);
    const listed = (await admin.result("list_backups")) as { backups: Shown[] };
    expect(listed.backups.map((backup) => backup.filename).sort()).toEqual(
      [first?.filename ?? "", "camera-agent-old-20220101T000000Z.tar.gz"].sort(),
    );
  });

  test("a backup that cannot be written is -32050 naming the cause, and the agent carries on", async () => {
    const agent = await agentWithConfig();
    writeFileSync(join(agent.dir, "backups"), "a file where the directory should be");
    const admin = await session(agent, "admin");
    const failed = await admin.call("create_backup");
    expect(failed.error).toEqual(
      expect.objectContaining({
        code: -32050,
        data: expect.objectContaining({ dependency: "backup" }),
      }),
    );
    expect((await admin.call("ping")).result).toBe("pong");
  });
});
