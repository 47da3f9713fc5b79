import { Database } from "bun:sqlite";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { chown, lstat, mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { hostname as systemHostname, tmpdir } from "node:os";
import { basename, join, relative } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";
import { jwtSecretPath } from "../auth/jwt-secret.ts";
import { ConfigError, configFromText } from "../config/load.ts";
import type { AgentConfig } from "../config/schema.ts";
import { mediamtxCredentialsPath } from "../mediamtx/credentials.ts";
import { SCHEMA_VERSION } from "../state/database.ts";
import { localAccounts } from "../util/accounts.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { isoUtc } from "../util/time.ts";
import { ARCHIVE_NAME, backupDirectory } from "./backup-location.ts";
import { decrypt, encrypt, looksEncrypted } from "./encryption.ts";
import {
  BACKUP_FORMAT,
  MANIFEST_NAME,
  type Manifest,
  type ManifestFile,
  manifestSchema,
} from "./manifest.ts";
import { readTar, TarError, writeTar } from "./tar.ts";

/** Config backups are kilobytes to a few megabytes; anything far larger is not one of ours. */
const MAX_ARCHIVE_BYTES = 256 * 1024 * 1024;

/** An archive that must not be restored; the message names what is wrong with it. */
export class BackupError extends Error {}

export interface BackupSources {
  config: AgentConfig;
  /** The config file the agent runs with, when one is used. */
  configFile: string | undefined;
  /** Everything below it is kept (config, admin key, mediamtx.yml, TLS). */
  configDir: string;
}

export interface CreateOptions {
  /** Default: <state.dir>/backups/camera-agent-<host>-<time>.tar.gz(.gpg). */
  output?: string;
  passphraseFile?: string;
  agentVersion: string;
  now?: Date;
}

/**
 * The default directory, 0700 and owned like the state directory. Run as root, it also hands
 * over what root made there earlier (the daily backup used to run as root).
 */
async function ensureBackupDirectory(config: AgentConfig): Promise<void> {
  const dir = backupDirectory(config);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  if (process.getuid?.() !== 0) return;
  const owner = await stat(config.state.dir);
  await chown(dir, owner.uid, owner.gid);
  for (const name of await readdir(dir)) {
    if (ARCHIVE_NAME.test(name)) await chown(join(dir, name), owner.uid, owner.gid);
  }
}

/**
 * Keeps the newest `backup.keep` archives of the default directory (by the time in their
 * names) and removes the rest; returns what it removed. Other files there are left alone.
 */
export async function pruneBackups(config: AgentConfig): Promise<string[]> {
  const dir = backupDirectory(config);
  const stamp = (name: string) => /(\d{8}T\d{6}Z)/.exec(name)?.[1] ?? "";
  const archives = (await readdir(dir).catch(() => [] as string[]))
    .filter((name) => ARCHIVE_NAME.test(name))
    .sort((a, b) => stamp(b).localeCompare(stamp(a)) || b.localeCompare(a));
  const removed = archives.slice(config.backup.keep).map((name) => join(dir, name));
  for (const path of removed) await rm(path, { force: true });
  return removed;
}

/**
 * Writes a backup of the device's identity and settings: the config directory, the state
 * secrets (JWT secret, API keys, MediaMTX credentials) and a consistent copy of the database.
 * Never recordings or snapshots: they are large, and the device's own media, not its identity.
 */
export async function createBackup(
  sources: BackupSources,
  options: CreateOptions,
): Promise<{ path: string; manifest: Manifest; skipped: string[]; pruned: string[] }> {
  const now = options.now ?? new Date();
  const scratch = await mkdtemp(join(tmpdir(), "camera-agent-backup-"));
  try {
    const { files, skipped } = await collect(sources, scratch);
    const accounts = await localAccounts();
    const entries: ManifestFile[] = [];
    const tarFiles = [];
    let schemaVersion = SCHEMA_VERSION;
    for (const file of files) {
      const data = new Uint8Array(await readFile(file.source));
      const info = await stat(file.source);
      const original = file.ownerFrom ? await stat(file.ownerFrom) : info;
      if (file.path === "state/agent.db") schemaVersion = databaseVersion(file.source);
      entries.push({
        path: file.path,
        restore_to: file.restoreTo,
        sha256: sha256(data),
        size: data.length,
        mode: (file.ownerFrom ? original.mode : info.mode) & 0o7777,
        owner: {
          uid: original.uid,
          gid: original.gid,
          user: accounts.userName.get(original.uid) ?? String(original.uid),
          group: accounts.groupName.get(original.gid) ?? String(original.gid),
        },
      });
      tarFiles.push({ name: file.path, data, mode: 0o600 });
    }
    const host = systemHostname();
    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      agent_version: options.agentVersion,
      schema_version: schemaVersion,
      created_at: isoUtc(now.getTime()),
      hostname: host,
      agent_config:
        files.find((file) => file.source === sources.configFile && !file.ownerFrom)?.path ?? null,
      files: entries,
    };
    tarFiles.unshift({
      name: MANIFEST_NAME,
      data: new TextEncoder().encode(`${JSON.stringify(manifest, null, 2)}\n`),
      mode: 0o600,
    });
    let archive: Uint8Array = gzipSync(writeTar(tarFiles));
    if (options.passphraseFile) archive = await encrypt(archive, options.passphraseFile);
    const stamp = isoUtc(now.getTime())
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$|Z$/, "Z");
    const path =
      options.output ??
      join(
        backupDirectory(sources.config),
        `camera-agent-${fileSafe(host)}-${stamp}.tar.gz${options.passphraseFile ? ".gpg" : ""}`,
      );
    // The default directory belongs to the agent's user, like the state directory it is in,
    // so the agent can list, serve and prune what the timer or root wrote there.
    if (options.output === undefined) await ensureBackupDirectory(sources.config);
    await writeFileAtomic(path, archive, {
      mode: 0o600,
      inheritOwner: options.output === undefined,
    });
    const pruned = options.output === undefined ? await pruneBackups(sources.config) : [];
    return { path, manifest, skipped, pruned };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

interface Collected {
  path: string;
  source: string;
  restoreTo: string;
  /** Mode and owner come from here when `source` is a copy (the database). */
  ownerFrom?: string;
}

async function collect(
  sources: BackupSources,
  scratch: string,
): Promise<{ files: Collected[]; skipped: string[] }> {
  const files: Collected[] = [];
  const skipped: string[] = [];
  const { config, configDir, configFile } = sources;
  if (existsSync(configDir)) {
    for (const path of await walk(configDir, skipped)) {
      files.push({
        path: `config/${relative(configDir, path)}`,
        source: path,
        restoreTo: path,
      });
    }
  }
  if (configFile !== undefined && !configFile.startsWith(`${configDir}/`)) {
    files.push({
      path: `config-file/${basename(configFile)}`,
      source: configFile,
      restoreTo: configFile,
    });
  }
  for (const path of [
    jwtSecretPath(config),
    config.security.api_keys_file,
    mediamtxCredentialsPath(config),
  ]) {
    if (existsSync(path))
      files.push({ path: `state/${basename(path)}`, source: path, restoreTo: path });
  }
  const database = join(config.state.dir, "agent.db");
  if (existsSync(database)) {
    // SQLite's own consistent copy of a live database (a raw copy could catch it mid-write).
    const copy = join(scratch, "agent.db");
    const db = new Database(database, { readonly: true });
    try {
      db.query("VACUUM INTO ?").run(copy);
    } finally {
      db.close();
    }
    files.push({ path: "state/agent.db", source: copy, restoreTo: database, ownerFrom: database });
  }
  return { files, skipped };
}

/** Regular files below `dir`, sorted; links and special files are left out and reported. */
async function walk(dir: string, skipped: string[]): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await readdir(dir)).sort()) {
    const path = join(dir, entry);
    const info = await lstat(path);
    if (info.isDirectory()) found.push(...(await walk(path, skipped)));
    else if (info.isFile()) found.push(path);
    else skipped.push(`${path} (not a regular file)`);
  }
  return found;
}

function databaseVersion(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    return (db.query("PRAGMA user_version").get() as { user_version: number }).user_version;
  } finally {
    db.close();
  }
}

export interface VerifiedBackup {
  manifest: Manifest;
  /** Archive name → contents, every one checked against the manifest. */
  files: Map<string, Uint8Array>;
  encrypted: boolean;
}

/**
 * Everything a restore relies on, checked without touching the device: readable (decrypted),
 * complete, nothing but regular files with safe names, every file's sha256 and size as the
 * manifest says, no format or schema newer than this agent's, and a config that passes the
 * same checks as `check-config`.
 */
export async function verifyBackup(
  file: string,
  passphraseFile: string | undefined,
): Promise<VerifiedBackup> {
  const info = await stat(file).catch(() => {
    throw new BackupError(`${file}: no such file`);
  });
  if (!info.isFile()) throw new BackupError(`${file}: not a regular file`);
  if (info.size > MAX_ARCHIVE_BYTES) {
    throw new BackupError(`${file}: ${info.size} bytes, larger than any backup this agent makes`);
  }
  let data: Uint8Array = new Uint8Array(await readFile(file));
  const encrypted = looksEncrypted(data);
  if (encrypted) {
    if (!passphraseFile) {
      throw new BackupError(`${file}: the archive is encrypted: give --passphrase-file`);
    }
    data = await decrypt(data, passphraseFile).catch((error: Error) => {
      throw new BackupError(`${file}: ${error.message}`);
    });
  } else if (data[0] !== 0x1f || data[1] !== 0x8b) {
    throw new BackupError(`${file}: not a camera-agent backup (neither gzip nor OpenPGP)`);
  }
  let tar: Uint8Array;
  try {
    tar = gunzipSync(data, { maxOutputLength: MAX_ARCHIVE_BYTES });
  } catch {
    throw new BackupError(`${file}: the archive is truncated or damaged (gzip data is invalid)`);
  }
  let entries: ReturnType<typeof readTar>;
  try {
    entries = readTar(tar);
  } catch (error) {
    if (error instanceof TarError) throw new BackupError(`${file}: ${error.message}`);
    throw error;
  }
  const files = new Map(entries.map((entry) => [entry.name, entry.data]));
  const manifest = parseManifest(file, files.get(MANIFEST_NAME));
  files.delete(MANIFEST_NAME);
  const problems: string[] = [];
  for (const entry of manifest.files) {
    const data = files.get(entry.path);
    if (!data) problems.push(`${entry.path}: listed in the manifest but not in the archive`);
    else if (data.length !== entry.size || sha256(data) !== entry.sha256) {
      problems.push(`${entry.path}: contents differ from the manifest (sha256 mismatch)`);
    }
  }
  const listed = new Set(manifest.files.map((entry) => entry.path));
  for (const name of files.keys()) {
    if (!listed.has(name)) problems.push(`${name}: in the archive but not in the manifest`);
  }
  if (problems.length > 0) throw new BackupError(`${file}: ${problems.join("; ")}`);
  checkConfig(file, manifest, files);
  return { manifest, files, encrypted };
}

function parseManifest(file: string, data: Uint8Array | undefined): Manifest {
  if (!data) throw new BackupError(`${file}: no ${MANIFEST_NAME}: not a camera-agent backup`);
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder().decode(data));
  } catch {
    throw new BackupError(`${file}: ${MANIFEST_NAME} is damaged (not JSON)`);
  }
  // The format first: a newer archive is refused by version, not by an unknown field.
  const format = (raw as { format?: unknown } | null)?.format;
  if (typeof format === "number" && format > BACKUP_FORMAT) {
    throw new BackupError(
      `${file}: archive format ${format} is newer than this agent's (${BACKUP_FORMAT}); update the agent first`,
    );
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BackupError(
      `${file}: ${MANIFEST_NAME} is damaged (${issue?.path.join(".") || "top level"}: ${issue?.message})`,
    );
  }
  const manifest = parsed.data;
  if (manifest.schema_version > SCHEMA_VERSION) {
    throw new BackupError(
      `${file}: made by camera-agent ${manifest.agent_version} with database schema ${manifest.schema_version}, newer than this agent's (${SCHEMA_VERSION}); update the agent first`,
    );
  }
  return manifest;
}

/** The config the archive would restore must pass the same checks as `check-config`. */
function checkConfig(file: string, manifest: Manifest, files: Map<string, Uint8Array>): void {
  if (manifest.agent_config === null) return;
  const data = files.get(manifest.agent_config);
  if (!data) {
    throw new BackupError(
      `${file}: the agent's config ${manifest.agent_config} is not in the archive`,
    );
  }
  try {
    configFromText(new TextDecoder().decode(data), `${file}:${manifest.agent_config}`, {});
  } catch (error) {
    if (error instanceof ConfigError) {
      throw new BackupError(`the archive's config is invalid:\n${error.message}`);
    }
    throw error;
  }
}

function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** A host name as part of a file name: anything but letters, digits, . _ - becomes _. */
function fileSafe(host: string): string {
  return host.replace(/[^A-Za-z0-9._-]/g, "_") || "host";
}
