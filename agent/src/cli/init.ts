import { mkdir, open, rm, stat } from "node:fs/promises";
import { dirname } from "node:path";
import { ApiKeyStore } from "../auth/api-keys.ts";
import { resolveJwtSecret } from "../auth/jwt-secret.ts";
import { configFor } from "./cli-config.ts";

export const DEFAULT_ADMIN_KEY_FILE = "/etc/camera-agent/admin-api-key";

export interface InitOptions {
  config?: string;
  "admin-key-file"?: string;
}

/**
 * First-boot setup, safe to run at every boot: creates what is missing, never replaces a
 * secret that exists, and says which it did.
 */
export async function initCommand(options: InitOptions): Promise<void> {
  const { config } = await configFor(options.config);
  await mkdir(config.state.dir, { recursive: true, mode: 0o750 });

  const secret = await resolveJwtSecret(config);
  report(secret.generated ? "created" : "kept", `JWT secret (${secret.source})`);

  const keyFile = options["admin-key-file"] ?? DEFAULT_ADMIN_KEY_FILE;
  if (await exists(keyFile)) {
    report("kept", `admin API key (${keyFile})`);
    return;
  }
  await mkdir(dirname(keyFile), { recursive: true, mode: 0o750 });
  // Reserve the file first (O_EXCL, 0600): two concurrent inits cannot both mint a key.
  const handle = await open(keyFile, "wx", 0o600);
  try {
    const store = new ApiKeyStore(config.security.api_keys_file);
    const { key, record } = await store.create({ name: `admin-${Date.now()}`, role: "admin" });
    await handle.writeFile(`${key}\n`);
    await handle.sync();
    report("created", `admin API key ${record.id} (${keyFile}, mode 0600)`);
  } catch (error) {
    await handle.close();
    await rm(keyFile, { force: true });
    throw error;
  }
  await handle.close();
}

function report(action: "created" | "kept", what: string): void {
  console.log(`${action.padEnd(7)} ${what}`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
