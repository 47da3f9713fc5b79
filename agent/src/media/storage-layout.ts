// Where media lives under storage.root and how its files are named: the one place that says so.
import { join } from "node:path";
import type { AgentConfig } from "../config/schema.ts";

export type FileKind = "recordings" | "snapshots";

/** Contract §5: no separators, no "..", no control characters or %, at most 255 characters. */
export const FILENAME = /^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/;

export const EXTENSIONS: Record<FileKind, readonly string[]> = {
  recordings: [".mp4", ".mkv"],
  snapshots: [".jpg"],
};

export const CONTENT_TYPES: Record<string, string> = {
  ".mp4": "video/mp4",
  ".mkv": "video/x-matroska",
  ".jpg": "image/jpeg",
};

export function directoryFor(config: AgentConfig, kind: FileKind): string {
  return join(config.storage.root, kind);
}

/**
 * Where MediaMTX writes this agent's recordings: flat under recordings/, each segment named
 * <camera id>_<start to the microsecond>.mp4, so names are unique and say whose they are.
 */
export function recordPath(config: AgentConfig): string {
  return join(directoryFor(config, "recordings"), "%path_%Y-%m-%d_%H-%M-%S-%f");
}

/** The name recordPath gives a recording's first segment, to the second (before it exists). */
export function recordingStem(device: string, startedAt: number): string {
  const iso = new Date(startedAt).toISOString();
  return `${device}_${iso.slice(0, 10)}_${iso.slice(11, 19).replaceAll(":", "-")}`;
}
