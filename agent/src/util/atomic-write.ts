import { randomBytes } from "node:crypto";
import { chown, mkdir, open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export interface AtomicWriteOptions {
  mode: number;
  /** Keep the owner of the file being replaced (or of its directory for a new file). */
  inheritOwner?: boolean;
}

/**
 * Replaces `path` so that a reader or a power cut sees either the old or the new content,
 * never a torn file: temp file in the same directory, fsync, rename, fsync the directory.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: AtomicWriteOptions,
): Promise<void> {
  const directory = dirname(path);
  await mkdir(directory, { recursive: true });
  const owner = options.inheritOwner ? await ownerFor(path, directory) : undefined;
  const temp = join(directory, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const handle = await open(temp, "wx", options.mode);
  try {
    await handle.writeFile(data);
    await handle.chmod(options.mode);
    if (owner && process.getuid?.() === 0) await chown(temp, owner.uid, owner.gid);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  const dir = await open(directory, "r");
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

async function ownerFor(path: string, directory: string): Promise<{ uid: number; gid: number }> {
  const existing = await stat(path).catch(() => stat(directory));
  return { uid: existing.uid, gid: existing.gid };
}
