import { lstat, readdir, rm } from "node:fs/promises";
import { extname, join } from "node:path";
import type { AgentConfig } from "../config/schema.ts";

export type FileKind = "recordings" | "snapshots";

/** Contract §5: no separators, no "..", no control characters or %, at most 255 characters. */
export const FILENAME = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

const EXTENSIONS: Record<FileKind, readonly string[]> = {
  recordings: [".mp4", ".mkv"],
  snapshots: [".jpg"],
};

export const CONTENT_TYPES: Record<string, string> = {
  ".mp4": "video/mp4",
  ".mkv": "video/x-matroska",
  ".jpg": "image/jpeg",
};

export interface MediaFile {
  name: string;
  path: string;
  size: number;
  modified: number;
  created: number;
}

export function directoryFor(config: AgentConfig, kind: FileKind): string {
  return join(config.storage.root, kind);
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

/** A camera's newest recording segment (MediaMTX names them <camera>_<start>…), if any. */
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
