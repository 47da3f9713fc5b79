import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { AgentConfig } from "../config/schema.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";

const credentialsSchema = z.object({ user: z.string().min(1), password: z.string().min(16) });
export type MediamtxCredentials = z.infer<typeof credentialsSchema>;

export function mediamtxCredentialsPath(config: AgentConfig): string {
  return join(config.state.dir, "mediamtx-credentials.json");
}

/** The stored credentials, undefined when `init` has not created them yet. */
export async function readMediamtxCredentials(
  config: AgentConfig,
): Promise<MediamtxCredentials | undefined> {
  const path = mediamtxCredentialsPath(config);
  const text = await readFile(path, "utf8").catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return undefined;
    throw new Error(`cannot read ${path}: ${error.code ?? error.message}`);
  });
  if (text === undefined) return undefined;
  const parsed = credentialsSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${path} is malformed; remove it and run camera-agent init`);
  return parsed.data;
}

/** The agent's MediaMTX API credentials: stored ones, else new random ones written 0600. */
export async function ensureMediamtxCredentials(
  config: AgentConfig,
): Promise<{ credentials: MediamtxCredentials; path: string; generated: boolean }> {
  const path = mediamtxCredentialsPath(config);
  const stored = await readMediamtxCredentials(config);
  if (stored) return { credentials: stored, path, generated: false };
  // Letters and digits only: safe unquoted anywhere in YAML and in URLs.
  const credentials = {
    user: `agent${randomBytes(4).toString("hex")}`,
    password: randomBytes(24).toString("base64url").replace(/[-_]/g, "x"),
  };
  await writeFileAtomic(path, `${JSON.stringify(credentials)}\n`, {
    mode: 0o600,
    inheritOwner: true,
  });
  return { credentials, path, generated: true };
}

/** The template with its @@…@@ placeholders filled; an unknown placeholder is an error. */
export function renderMediamtxConfig(template: string, credentials: MediamtxCredentials): string {
  const values: Record<string, string> = {
    MEDIAMTX_API_USER: credentials.user,
    MEDIAMTX_API_PASSWORD: credentials.password,
  };
  return template.replace(/@@([A-Z_]+)@@/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined)
      throw new Error(`the MediaMTX template uses an unknown placeholder @@${name}@@`);
    return value;
  });
}
