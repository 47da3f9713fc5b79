import { mkdir, open, readFile, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { processRunning } from "./process-running.ts";

export interface FileLockOptions {
  /** How long to wait for another holder before giving up. */
  timeoutMs?: number;
}

/** A lock file left by a holder that died is taken over; one still being written gets this long. */
const UNREADABLE_LOCK_GRACE_MS = 5_000;

/**
 * Runs `body` while holding `<path>.lock`, so read-modify-write cycles on `path` from several
 * processes (the agent, `camera-agent keys …` run twice at once) never interleave and lose an
 * acknowledged change. The lock file is created exclusively and holds the holder's pid; a lock
 * whose process is gone (killed mid-write) is taken over.
 */
export async function withFileLock<T>(
  path: string,
  body: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const lock = `${path}.lock`;
  // The lock lives beside the file, whose directory may not exist yet (a first write makes it).
  await mkdir(dirname(path), { recursive: true });
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    try {
      const handle = await open(lock, "wx", 0o600);
      try {
        await handle.writeFile(`${process.pid}\n`);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    if (await abandoned(lock)) {
      await rm(lock, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new Error(`${path} is locked by another process (${lock}); try again`);
    }
    await Bun.sleep(pause);
  }
  try {
    return await body();
  } finally {
    await rm(lock, { force: true });
  }
}

/** Whether the lock's holder is gone: its pid no longer runs, or it never wrote one. */
async function abandoned(lock: string): Promise<boolean> {
  const text = await readFile(lock, "utf8").catch(() => undefined);
  if (text === undefined) return false; // released meanwhile: just try again
  const pid = Number.parseInt(text, 10);
  if (!Number.isInteger(pid) || pid <= 0) {
    const info = await stat(lock).catch(() => undefined);
    return info !== undefined && Date.now() - info.mtimeMs > UNREADABLE_LOCK_GRACE_MS;
  }
  return !processRunning(pid);
}
