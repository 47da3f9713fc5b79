import { existsSync } from "node:fs";
import { DEFAULT_CONFIG_PATH, loadConfig } from "../config/load.ts";
import type { AgentConfig } from "../config/schema.ts";

/** An explicit --config must exist; the default path is used only when present. */
export async function configFor(explicit: string | undefined): Promise<{
  config: AgentConfig;
  file: string | undefined;
}> {
  const file = explicit ?? (existsSync(DEFAULT_CONFIG_PATH) ? DEFAULT_CONFIG_PATH : undefined);
  return { config: await loadConfig({ file }), file };
}
