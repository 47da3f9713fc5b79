import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { AgentConfig } from "../config/schema.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";

export interface JwtSecret {
  value: string;
  /** Where it came from: "config" or the state file's path. */
  source: string;
  generated: boolean;
}

export function jwtSecretPath(config: AgentConfig): string {
  return join(config.state.dir, "jwt-secret");
}

/**
 * The configured secret, else the one stored in the state directory, else a new random one
 * written there (0600) so that tokens survive restarts and `camera-agent token` agrees with
 * the running agent.
 */
export async function resolveJwtSecret(config: AgentConfig): Promise<JwtSecret> {
  if (config.security.jwt_secret !== undefined) {
    return { value: config.security.jwt_secret, source: "config", generated: false };
  }
  const path = jwtSecretPath(config);
  const stored = await readFile(path, "utf8").then(
    (text) => text.trim(),
    (error: NodeJS.ErrnoException) => {
      if (error.code === "ENOENT") return undefined;
      throw new Error(`cannot read JWT secret ${path}: ${error.code ?? error.message}`);
    },
  );
  if (stored !== undefined) {
    if (stored.length < 32) throw new Error(`JWT secret ${path} is shorter than 32 characters`);
    return { value: stored, source: path, generated: false };
  }
  const value = randomBytes(32).toString("hex");
  await writeFileAtomic(path, `${value}\n`, { mode: 0o600, inheritOwner: true });
  return { value, source: path, generated: true };
}
