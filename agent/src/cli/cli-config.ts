import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { DEFAULT_CONFIG_PATH, loadConfig } from "../config/load.ts";
import type { AgentConfig } from "../config/schema.ts";

/**
 * An explicit --config must exist; the default path is used only when present. The file is
 * named absolutely from here on: backups record where to restore it, and a restore runs from
 * another directory (a relative path made archives that `backup verify` refused).
 */
export async function configFor(explicit: string | undefined): Promise<{
  config: AgentConfig;
  file: string | undefined;
}> {
  const file = explicit === undefined ? defaultFile() : absolute(explicit);
  return { config: await loadConfig({ file }), file };
}

function defaultFile(): string | undefined {
  return existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined;
}

/** An empty --config stays "": reported as not found, not as the working directory. */
function absolute(path: string): string {
  return path === "" ? path : resolve(path);
}
