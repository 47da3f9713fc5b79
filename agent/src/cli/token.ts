import { signJwt } from "../auth/jwt.ts";
import { resolveJwtSecret } from "../auth/jwt-secret.ts";
import { configFor } from "./cli-config.ts";
import { parseDurationOption, parseRole } from "./parse-values.ts";

export interface TokenOptions {
  config?: string;
  role?: string;
  ttl?: string;
  user?: string;
}

export async function tokenCommand(options: TokenOptions): Promise<void> {
  const role = parseRole(options.role);
  const ttlMs = parseDurationOption("--ttl", options.ttl ?? "1h");
  const { config } = await configFor(options.config);
  const secret = await resolveJwtSecret(config);
  if (secret.generated) console.error(`no JWT secret configured: generated ${secret.source}`);
  const iat = Math.floor(Date.now() / 1000);
  const user = options.user ?? "cli";
  console.log(
    signJwt({ user_id: user, role, iat, exp: iat + Math.floor(ttlMs / 1000) }, secret.value),
  );
}
