import { existsSync } from "node:fs";
import { chown, link, mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { z } from "zod";
import { jwtSecretPath } from "../auth/jwt-secret.ts";
import { configFromText } from "../config/load.ts";
import type { AgentConfig } from "../config/schema.ts";
import { mediamtxCredentialsPath } from "../mediamtx/credentials.ts";
import { localAccounts } from "../util/accounts.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { processRunning } from "../util/process-running.ts";
import { BackupError, type VerifiedBackup } from "./backup-archive.ts";
import type { ManifestFile } from "./manifest.ts";

/**
 * Puts a verified backup in place so that, whatever happens — a crash, kill -9, a power cut —
 * the device ends with either its old files or the archive's, complete, never a mix:
 *
 * 1. every new file is written beside its target as `<target>.restore-new` (fsynced);
 * 2. a journal in the config directory lists the targets ("staged");
 * 3. each old file gets a second name `<target>.restore-old` (a hard link), then the new file
 *    is renamed over the target: each target is always whole, old or new;
 * 4. the journal says "committed"; from here the new state stands.
 *
 * An interrupted restore is finished by `recoverRestore` (run by `init` before every start of
 * the service, and by the next restore): before "committed" it puts every old file back,
 * after it keeps the new ones; either way it removes the leftovers and the journal.
 */

/**
 * Failpoint for the crash-safety test: the process SIGKILLs itself after this many commit
 * steps (one per file put in place, one for the "committed" journal), so every point of the
 * commit is tried, not just those a random kill happens to hit.
 */
const CRASH_AFTER_STEPS = Number(process.env.CAMERA_AGENT_TEST_RESTORE_CRASH_AFTER ?? Number.NaN);
let stepsTaken = 0;
function step(): void {
  stepsTaken++;
  if (stepsTaken === CRASH_AFTER_STEPS) process.kill(process.pid, "SIGKILL");
}

const JOURNAL = ".restore-journal.json";
const NEW = ".restore-new";
const OLD = ".restore-old";

const journalSchema = z.strictObject({
  state: z.enum(["staged", "committed"]),
  /** The restoring process: while it lives (this boot), only it may finish or undo. */
  pid: z.number().int().positive(),
  boot: z.string(),
  files: z.array(
    z.strictObject({
      target: z.string().startsWith("/"),
      hadOld: z.boolean(),
      /** Removed rather than replaced: the database's old -wal and -shm files. */
      remove: z.boolean(),
    }),
  ),
});
type Journal = z.infer<typeof journalSchema>;

export interface RestorePlanEntry {
  /** Name in the archive; undefined for a file that is removed. */
  path: string | undefined;
  target: string;
  replaces: boolean;
}

/**
 * Where each archived file goes on this device. Targets come from our own layout, never from
 * the archive's paths: config/… into the config directory, the config file to the one this
 * device runs with, state files where the restored config puts them.
 */
export function restorePlan(
  backup: VerifiedBackup,
  configDir: string,
  configFile: string,
): RestorePlanEntry[] {
  const { manifest, files } = backup;
  const restoredConfig: AgentConfig = configFromText(
    manifest.agent_config ? new TextDecoder().decode(files.get(manifest.agent_config)) : "{}",
    manifest.agent_config ?? "defaults",
    {},
  );
  const stateTargets: Record<string, string> = {
    "jwt-secret": jwtSecretPath(restoredConfig),
    "mediamtx-credentials.json": mediamtxCredentialsPath(restoredConfig),
    "agent.db": join(restoredConfig.state.dir, "agent.db"),
    [basename(restoredConfig.security.api_keys_file)]: restoredConfig.security.api_keys_file,
  };
  const plan: RestorePlanEntry[] = manifest.files.map((entry) => {
    let target: string | undefined;
    if (entry.path === manifest.agent_config) target = configFile;
    else if (entry.path.startsWith("config/")) target = join(configDir, entry.path.slice(7));
    else if (entry.path.startsWith("state/")) target = stateTargets[entry.path.slice(6)];
    if (target === undefined) {
      throw new BackupError(`${entry.path}: this agent does not know where it belongs`);
    }
    return { path: entry.path, target, replaces: existsSync(target) };
  });
  // SQLite would replay an old write-ahead log into the restored database: it goes too.
  const database = plan.find((step) => step.path === "state/agent.db")?.target;
  for (const suffix of ["-wal", "-shm"]) {
    const target = `${database}${suffix}`;
    if (database && existsSync(target)) plan.push({ path: undefined, target, replaces: true });
  }
  return plan;
}

/** Steps 1-4 above. Returns once the new files stand; `rollBack` undoes it until `finish`. */
export async function applyRestore(
  backup: VerifiedBackup,
  plan: RestorePlanEntry[],
  configDir: string,
): Promise<void> {
  if ((await recoverRestore(configDir)) === "in progress") {
    throw new Error("another restore is running");
  }
  const accounts = await localAccounts();
  const byPath = new Map(backup.manifest.files.map((entry) => [entry.path, entry]));
  for (const step of plan) {
    if (step.path === undefined) continue;
    const entry = byPath.get(step.path) as ManifestFile;
    await stage(step.target, backup.files.get(step.path) as Uint8Array, entry, accounts);
  }
  const files = plan.map((step) => ({
    target: step.target,
    hadOld: existsSync(step.target),
    remove: step.path === undefined,
  }));
  const owner = { pid: process.pid, boot: await bootId() };
  await writeJournal(configDir, { state: "staged", ...owner, files });
  for (const { target, hadOld, remove } of files) {
    if (hadOld) {
      await rm(target + OLD, { force: true });
      await link(target, target + OLD);
    }
    if (remove) await rm(target, { force: true });
    else await rename(target + NEW, target);
    await syncDirectory(dirname(target));
    step();
  }
  await writeJournal(configDir, { state: "committed", ...owner, files });
  step();
}

/** Puts the old files back after a committed restore whose agent did not become ready. */
export async function rollBack(configDir: string): Promise<void> {
  const journal = await readJournal(configDir);
  if (!journal) throw new Error("cannot put the previous files back: the restore journal is gone");
  await writeJournal(configDir, { ...journal, state: "staged" });
  await recoverRestore(configDir);
}

/** Keeps the restored files for good: drops the old copies and the journal. */
export async function finishRestore(configDir: string): Promise<void> {
  await recoverRestore(configDir);
}

/**
 * Finishes an interrupted restore (see above): nothing to do without a journal but stray
 * staged files. Returns what it did, for the caller to say.
 */
export async function recoverRestore(
  configDir: string,
): Promise<"none" | "rolled back" | "completed" | "in progress"> {
  const journal = await readJournal(configDir);
  if (!journal) return "none";
  // The agent's start (init) during a restore's readiness wait must not end that restore.
  if (journal.pid !== process.pid && (await restoreRunning(journal))) return "in progress";
  for (const { target, hadOld } of journal.files) {
    if (journal.state === "staged") {
      if (hadOld && existsSync(target + OLD)) await rename(target + OLD, target);
      else if (!hadOld && !existsSync(target + NEW)) await rm(target, { force: true });
    }
    await rm(target + NEW, { force: true });
    await rm(target + OLD, { force: true });
    await syncDirectory(dirname(target));
  }
  await rm(join(configDir, JOURNAL), { force: true });
  await syncDirectory(configDir);
  return journal.state === "staged" ? "rolled back" : "completed";
}

async function stage(
  target: string,
  data: Uint8Array,
  entry: ManifestFile,
  accounts: Awaited<ReturnType<typeof localAccounts>>,
): Promise<void> {
  await mkdir(dirname(target), { recursive: true, mode: 0o750 });
  const path = target + NEW;
  const handle = await open(path, "w", 0o600);
  try {
    await handle.writeFile(data);
    await handle.chmod(entry.mode);
    if (process.getuid?.() === 0) {
      // By name: the same user may have another uid on a new card.
      const uid = accounts.userId.get(entry.owner.user) ?? entry.owner.uid;
      const gid = accounts.groupId.get(entry.owner.group) ?? entry.owner.gid;
      await chown(path, uid, gid);
    }
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readJournal(configDir: string): Promise<Journal | undefined> {
  const text = await readFile(join(configDir, JOURNAL), "utf8").catch(() => undefined);
  if (text === undefined) return undefined;
  const parsed = journalSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${join(configDir, JOURNAL)} is damaged: restore by hand`);
  return parsed.data;
}

function writeJournal(configDir: string, journal: Journal): Promise<void> {
  return writeFileAtomic(join(configDir, JOURNAL), `${JSON.stringify(journal)}\n`, { mode: 0o600 });
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, "r").catch(() => undefined);
  if (!handle) return;
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Whether the journal's process still runs: same boot (pids restart) and alive. */
async function restoreRunning(journal: Journal): Promise<boolean> {
  return journal.boot === (await bootId()) && processRunning(journal.pid);
}

async function bootId(): Promise<string> {
  return (await readFile("/proc/sys/kernel/random/boot_id", "utf8").catch(() => "")).trim();
}
