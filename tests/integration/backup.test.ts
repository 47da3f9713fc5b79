// camera-agent backup create / verify: what an archive holds, and every bad archive refused
// with its reason (issue 13). Real gpg, real SQLite, our tar and gzip.
import { Database } from "bun:sqlite";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { ApiKeyStore } from "../../agent/src/auth/api-keys.ts";
import {
  type BackupSources,
  createBackup,
  verifyBackup,
} from "../../agent/src/backup/backup-archive.ts";
import { readTar, type TarFile, writeTar } from "../../agent/src/backup/tar.ts";
import { loadConfig } from "../../agent/src/config/load.ts";
import { openDatabase, SCHEMA_VERSION } from "../../agent/src/state/database.ts";

const dir = mkdtempSync(join(tmpdir(), "camera-agent-backup-test-"));
const etc = join(dir, "etc");
const state = join(dir, "state");
const passphrase = join(dir, "passphrase");
const wrongPassphrase = join(dir, "wrong-passphrase");
let sources: BackupSources;
let plain: string;

beforeAll(async () => {
  mkdirSync(etc, { recursive: true });
  const configFile = join(etc, "config.yaml");
  writeFileSync(configFile, `state:\n  dir: ${state}\nstorage:\n  root: ${join(dir, "media")}\n`);
  writeFileSync(join(etc, "admin-api-key"), "csk_admin\n", { mode: 0o600 });
  writeFileSync(join(etc, "mediamtx.yml"), "authMethod: http\n", { mode: 0o640 });
  writeFileSync(passphrase, "correct horse battery staple\n", { mode: 0o600 });
  writeFileSync(wrongPassphrase, "wrong\n", { mode: 0o600 });
  const config = await loadConfig({ file: configFile, env: {} });
  mkdirSync(state, { recursive: true });
  writeFileSync(join(state, "jwt-secret"), "s".repeat(64), { mode: 0o600 });
  await new ApiKeyStore(config.security.api_keys_file).create({ name: "nvr", role: "viewer" });
  const db = openDatabase(join(state, "agent.db"));
  db.query(
    "INSERT INTO cameras (id, number, identity, kind, name, created_at) VALUES ('camera0', 0, 'usb:1234', 'usb', 'Gate', '2026-12-01T00:00:00Z')",
  ).run();
  db.close();
  sources = { config, configFile, configDir: etc };
  plain = (await createBackup(sources, { agentVersion: "1.2.3" })).path;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The archive's tar entries, changed by `edit`, written back as a new archive. */
function rewrite(edit: (files: TarFile[]) => TarFile[], tar?: (files: TarFile[]) => Uint8Array) {
  const files = readTar(gunzipSync(readFileSync(plain)));
  const path = join(dir, `edited-${Math.random().toString(36).slice(2)}.tar.gz`);
  writeFileSync(path, gzipSync((tar ?? writeTar)(edit(files))));
  return path;
}

function manifestOf(
  files: TarFile[],
): Record<string, unknown> & { files: Array<Record<string, unknown>> } {
  const entry = files.find((file) => file.name === "manifest.json");
  return JSON.parse(new TextDecoder().decode(entry?.data));
}

function withManifest(files: TarFile[], manifest: unknown): TarFile[] {
  return files.map((file) =>
    file.name === "manifest.json"
      ? { ...file, data: new TextEncoder().encode(JSON.stringify(manifest)) }
      : file,
  );
}

/** A tar whose last entry is written by hand: names and types our writer refuses to make. */
function tarWithRawEntry(name: string, type: string) {
  return (files: TarFile[]) => {
    const good = writeTar(files);
    const header = new Uint8Array(512);
    header.set(new TextEncoder().encode(name), 0);
    header.set(new TextEncoder().encode("0000600\0"), 100);
    header.set(new TextEncoder().encode("00000000000\0"), 124);
    header[156] = type.charCodeAt(0);
    header.set(new TextEncoder().encode("ustar\0"), 257);
    header.fill(0x20, 148, 156);
    const sum = header.reduce((total, byte) => total + byte, 0);
    header.set(new TextEncoder().encode(`${sum.toString(8).padStart(6, "0")}\0 `), 148);
    // Before the two end-of-archive blocks of the good part.
    const body = good.subarray(0, good.length - 1024);
    const out = new Uint8Array(body.length + 512 + 1024);
    out.set(body);
    out.set(header, body.length);
    return out;
  };
}

const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => "accepted",
    (error: Error) => error.message,
  );

describe("backup create", () => {
  test("config directory, state secrets and a consistent database copy, in a 0600 archive under <state.dir>/backups, with a manifest of every file", async () => {
    expect(plain.startsWith(join(state, "backups", "camera-agent-"))).toBe(true);
    expect(statSync(plain).mode & 0o777).toBe(0o600);
    expect(statSync(join(state, "backups")).mode & 0o777).toBe(0o700);
    const { manifest, files, encrypted } = await verifyBackup(plain, undefined);
    expect(encrypted).toBe(false);
    expect(manifest).toMatchObject({
      format: 1,
      agent_version: "1.2.3",
      schema_version: SCHEMA_VERSION,
      agent_config: "config/config.yaml",
    });
    expect(manifest.files.map((file) => [file.path, file.restore_to, file.mode])).toEqual([
      ["config/admin-api-key", join(etc, "admin-api-key"), 0o600],
      ["config/config.yaml", join(etc, "config.yaml"), 0o644],
      ["config/mediamtx.yml", join(etc, "mediamtx.yml"), 0o640],
      ["state/jwt-secret", join(state, "jwt-secret"), 0o600],
      ["state/api-keys.json", join(state, "api-keys.json"), 0o600],
      ["state/agent.db", join(state, "agent.db"), 0o600],
    ]);
    expect(manifest.files[0]?.owner).toMatchObject({ uid: process.getuid?.(), user: "root" });
    // The database copy is a whole database with the camera in it, not a file caught mid-write.
    const copy = join(dir, "copy.db");
    writeFileSync(copy, files.get("state/agent.db") as Uint8Array);
    const db = new Database(copy, { readonly: true });
    expect(db.query("SELECT id, name FROM cameras").all()).toEqual([
      { id: "camera0", name: "Gate" },
    ]);
    db.close();
    // Recordings are never part of it.
    expect([...files.keys()].some((name) => name.includes("recordings"))).toBe(false);
  });

  test("with --passphrase-file: OpenPGP (gpg, AES-256); verify needs the passphrase and names a wrong one", async () => {
    const { path } = await createBackup(sources, {
      agentVersion: "1.2.3",
      passphraseFile: passphrase,
      output: join(dir, "secret.tar.gz.gpg"),
    });
    const bytes = readFileSync(path);
    expect([0x8c, 0xc3]).toContain(bytes[0] ?? 0);
    expect(bytes.includes(Buffer.from("csk_admin"))).toBe(false);
    expect(await refusal(verifyBackup(path, undefined))).toBe(
      `${path}: the archive is encrypted: give --passphrase-file`,
    );
    expect(await refusal(verifyBackup(path, wrongPassphrase))).toBe(`${path}: wrong passphrase`);
    expect((await verifyBackup(path, passphrase)).encrypted).toBe(true);
  });
});

describe("backup verify refuses, naming the problem", () => {
  test("a truncated archive", async () => {
    const bytes = readFileSync(plain);
    const cut = join(dir, "cut.tar.gz");
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(await refusal(verifyBackup(cut, undefined))).toContain("truncated or damaged");
  });

  test("one byte changed in a file, and in the manifest", async () => {
    const flippedFile = rewrite((files) =>
      files.map((file) => {
        if (file.name !== "state/jwt-secret") return file;
        const data = new Uint8Array(file.data);
        data[0] = (data[0] ?? 0) ^ 1;
        return { ...file, data };
      }),
    );
    expect(await refusal(verifyBackup(flippedFile, undefined))).toContain(
      "state/jwt-secret: contents differ from the manifest (sha256 mismatch)",
    );
    const flippedManifest = rewrite((files) => {
      const manifest = manifestOf(files);
      const entry = manifest.files[1] as { sha256: string };
      entry.sha256 = `${entry.sha256[0] === "a" ? "b" : "a"}${entry.sha256.slice(1)}`;
      return withManifest(files, manifest);
    });
    expect(await refusal(verifyBackup(flippedManifest, undefined))).toContain(
      "config/config.yaml: contents differ from the manifest",
    );
    const brokenJson = rewrite((files) =>
      files.map((file) =>
        file.name === "manifest.json" ? { ...file, data: file.data.subarray(1) } : file,
      ),
    );
    expect(await refusal(verifyBackup(brokenJson, undefined))).toContain(
      "manifest.json is damaged (not JSON)",
    );
  });

  test("entries that could land outside the target or are not regular files", async () => {
    const cases: Array<[string, string, string]> = [
      ["../../etc/passwd", "0", "path leaves the archive's directory"],
      ["/etc/passwd", "0", "/etc/passwd: absolute path"],
      ["config/link", "2", "config/link: a symbolic link, not a regular file"],
      ["config/hard", "1", "config/hard: a hard link, not a regular file"],
      ["config/null", "3", "config/null: a character device, not a regular file"],
      ["config/disk", "4", "config/disk: a block device, not a regular file"],
      ["config/fifo", "6", "config/fifo: a FIFO, not a regular file"],
    ];
    for (const [name, type, message] of cases) {
      const path = rewrite((files) => files, tarWithRawEntry(name, type));
      expect({ name, refusal: await refusal(verifyBackup(path, undefined)) }).toEqual({
        name,
        refusal: expect.stringContaining(message),
      });
    }
  });

  test("a file the manifest lists but the archive lacks, and one it does not list", async () => {
    const missing = rewrite((files) => files.filter((file) => file.name !== "state/agent.db"));
    expect(await refusal(verifyBackup(missing, undefined))).toContain(
      "state/agent.db: listed in the manifest but not in the archive",
    );
    const extra = rewrite((files) => [
      ...files,
      { name: "config/extra", data: new Uint8Array([1]), mode: 0o600 },
    ]);
    expect(await refusal(verifyBackup(extra, undefined))).toContain(
      "config/extra: in the archive but not in the manifest",
    );
  });

  test("an archive from a newer format or a newer database schema, naming both versions", async () => {
    const newerFormat = rewrite((files) =>
      withManifest(files, { ...manifestOf(files), format: 2, something_new: true }),
    );
    expect(await refusal(verifyBackup(newerFormat, undefined))).toContain(
      "archive format 2 is newer than this agent's (1); update the agent first",
    );
    const newerSchema = rewrite((files) =>
      withManifest(files, { ...manifestOf(files), agent_version: "9.0.0", schema_version: 99 }),
    );
    expect(await refusal(verifyBackup(newerSchema, undefined))).toContain(
      `made by camera-agent 9.0.0 with database schema 99, newer than this agent's (${SCHEMA_VERSION})`,
    );
  });

  test("a config in the archive that check-config would refuse", async () => {
    const badConfig = rewrite((files) => {
      const data = new TextEncoder().encode("server:\n  port: 70000\n");
      const changed = files.map((file) =>
        file.name === "config/config.yaml" ? { ...file, data } : file,
      );
      const manifest = manifestOf(changed);
      const entry = manifest.files.find((file) => file.path === "config/config.yaml") as {
        sha256: string;
        size: number;
      };
      entry.sha256 = new Bun.CryptoHasher("sha256").update(data).digest("hex");
      entry.size = data.length;
      return withManifest(changed, manifest);
    });
    expect(await refusal(verifyBackup(badConfig, undefined))).toContain("server.port");
  });

  test("something that is not a backup at all", async () => {
    const text = join(dir, "notes.txt");
    writeFileSync(text, "hello");
    expect(await refusal(verifyBackup(text, undefined))).toBe(
      `${text}: not a camera-agent backup (neither gzip nor OpenPGP)`,
    );
    expect(await refusal(verifyBackup(join(dir, "absent"), undefined))).toBe(
      `${join(dir, "absent")}: no such file`,
    );
  });
});

describe("backup rotation", () => {
  // Last: it prunes the archive the other tests read.
  test("the default directory keeps the newest backup.keep archives; --output files and other files are left alone", async () => {
    const keep2 = { ...sources, config: { ...sources.config, backup: { keep: 2 } } };
    const elsewhere = join(dir, "kept-elsewhere.tar.gz");
    await createBackup(keep2, { agentVersion: "1", output: elsewhere });
    const notes = join(state, "backups", "README.txt");
    writeFileSync(notes, "operator's notes");
    const made: string[] = [];
    for (const day of [1, 2, 3]) {
      const { path, pruned } = await createBackup(keep2, {
        agentVersion: "1",
        now: new Date(`2030-01-0${day}T03:00:00Z`),
      });
      made.push(path);
      if (day === 3) expect(pruned).toEqual(made.slice(0, 1));
    }
    const left = readdirSync(join(state, "backups")).sort();
    expect(left).toEqual([...made.slice(1).map((path) => basename(path)), "README.txt"].sort());
    expect(existsSync(elsewhere)).toBe(true);
    expect(existsSync(plain)).toBe(false);
  });
});
