import { lstat, readdir, rm } from "node:fs/promises";
import { extname, join } from "node:path";
import type { AgentConfig } from "../config/schema.ts";
import { directoryFor, EXTENSIONS, FILENAME, type FileKind } from "./storage-layout.ts";

export interface MediaFile {
  name: string;
  path: string;
  size: number;
  modified: number;
  created: number;
}

/**
 * A file of that kind, by a name that has passed FILENAME: a regular file right in the
 * directory (never a symlink, which could point anywhere) with an extension of its kind.
 */
export async function mediaFile(
  directory: string,
  kind: FileKind,
  name: string,
): Promise<MediaFile | undefined> {
  if (!FILENAME.test(name) || !EXTENSIONS[kind].includes(extname(name).toLowerCase()))
    return undefined;
  const path = join(directory, name);
  const info = await lstat(path).catch(() => undefined);
  if (!info?.isFile()) return undefined;
  return {
    name,
    path,
    size: info.size,
    modified: info.mtimeMs,
    created: info.birthtimeMs || info.mtimeMs,
  };
}

/** Newest first, with the full count; a missing directory is an empty list. */
export async function listMediaFiles(
  directory: string,
  kind: FileKind,
  limit: number,
  offset: number,
): Promise<{ files: MediaFile[]; total: number }> {
  const names = await readdir(directory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [] as string[];
    throw error;
  });
  const files = (await Promise.all(names.map((name) => mediaFile(directory, kind, name)))).filter(
    (file): file is MediaFile => file !== undefined,
  );
  files.sort((a, b) => b.modified - a.modified || a.name.localeCompare(b.name));
  return { files: files.slice(offset, offset + limit), total: files.length };
}

/** A camera's newest recording segment (see recordPath), if any. */
export async function newestRecording(
  config: AgentConfig,
  device: string,
): Promise<MediaFile | undefined> {
  const directory = directoryFor(config, "recordings");
  const { files } = await listMediaFiles(directory, "recordings", Number.MAX_SAFE_INTEGER, 0);
  return files.find((file) => file.name.startsWith(`${device}_`));
}

export async function deleteMediaFile(file: MediaFile): Promise<void> {
  await rm(file.path);
}
