import { chmod, chown, mkdir, open, readFile, rm, stat } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ApiKeyStore } from "../auth/api-keys.ts";
import { resolveJwtSecret } from "../auth/jwt-secret.ts";
import { recoverRestore } from "../backup/restore.ts";
import { configurationDirectory } from "../config/systemd-directories.ts";
import {
  agentAuthHook,
  ensureMediamtxCredentials,
  mediamtxPasswordHash,
  renderMediamtxConfig,
} from "../mediamtx/credentials.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { configFor } from "./cli-config.ts";
import { createSelfSignedCertificate } from "./tls-certificate.ts";

export const DEFAULT_MEDIAMTX_TEMPLATE = "/usr/share/camera-agent/mediamtx.yml";
/** The unit's ConfigurationDirectory= (/etc/camera-agent): admin key, MediaMTX config, TLS. */
const configDir = () => configurationDirectory(process.env);

export interface InitOptions {
  config?: string;
  "admin-key-file"?: string;
  "mediamtx-template"?: string;
  "mediamtx-config"?: string;
  tls?: boolean;
}

/**
 * First-boot setup, safe to run at every boot: creates what is missing, never replaces a
 * secret that exists, and says which it did.
 */
export async function initCommand(options: InitOptions): Promise<void> {
  // Before anything reads the files: a restore cut short (power cut, kill) is finished or
  // undone here, so the agent starts on a complete old or new state, never a mix.
  const recovered = await recoverRestore(configDir());
  if (recovered === "in progress") {
    console.log("a restore is in progress: its files are left to it");
  } else if (recovered !== "none") {
    console.log(
      `an interrupted restore was ${recovered === "completed" ? "completed: the restored files stay" : "rolled back: the previous files are back"}`,
    );
  }
  const { config } = await configFor(options.config);
  await mkdir(config.state.dir, { recursive: true, mode: 0o750 });

  const secret = await resolveJwtSecret(config);
  report(secret.generated ? "created" : "kept", `JWT secret (${secret.source})`);

  await ensureAdminKey(
    options["admin-key-file"] ?? join(configDir(), "admin-api-key"),
    config.security.api_keys_file,
  );

  if (options.tls) {
    // The configured paths if set, else the defaults the hint below tells the operator to set.
    const cert = config.server.tls_cert ?? join(configDir(), "tls/cert.pem");
    const key = config.server.tls_key ?? join(configDir(), "tls/key.pem");
    if ((await exists(cert)) || (await exists(key))) {
      report("kept", `TLS certificate (${cert})`);
    } else {
      await createSelfSignedCertificate(cert, key);
      report("created", `self-signed TLS certificate (${cert}, key ${key})`);
      if (config.server.tls_cert === undefined) {
        console.log(
          `        to serve wss://, set server.tls_cert: ${cert} and server.tls_key: ${key}`,
        );
      }
    }
  }

  const mediamtx = await ensureMediamtxCredentials(config);
  report(mediamtx.generated ? "created" : "kept", `MediaMTX API credentials (${mediamtx.path})`);
  const target = options["mediamtx-config"] ?? join(configDir(), "mediamtx.yml");
  const template = options["mediamtx-template"] ?? DEFAULT_MEDIAMTX_TEMPLATE;
  if (await exists(target)) {
    report("kept", `MediaMTX config (${target})`);
  } else if (!(await exists(template))) {
    report("skipped", `MediaMTX config: no template at ${template}`);
  } else {
    const hook = await agentAuthHook(config);
    const rendered = renderMediamtxConfig(await readFile(template, "utf8"), {
      MEDIAMTX_API_USER: mediamtx.credentials.user,
      MEDIAMTX_API_PASSWORD_SHA256: mediamtxPasswordHash(mediamtx.credentials.password),
      AGENT_AUTH_URL: hook.url,
      AGENT_AUTH_FINGERPRINT: hook.fingerprint,
    });
    // 0640 under /etc/camera-agent (root:camera): the mediamtx user reads it through its group.
    await writeFileAtomic(target, rendered, { mode: 0o640, inheritOwner: true });
    report("created", `MediaMTX config (${target}, from ${template})`);
  }
}

/**
 * The admin key file: 0640, group of its directory (root:camera under /etc/camera-agent). The
 * agent's own user may read its own credential (its backups include it); no one else may.
 */
async function ensureAdminKey(keyFile: string, apiKeysFile: string): Promise<void> {
  if (await exists(keyFile)) {
    await shareWithAgentGroup(keyFile);
    report("kept", `admin API key (${keyFile})`);
    return;
  }
  await mkdir(dirname(keyFile), { recursive: true, mode: 0o750 });
  // Reserve the file first (O_EXCL, 0600): two concurrent inits cannot both mint a key.
  const handle = await open(keyFile, "wx", 0o600);
  try {
    const store = new ApiKeyStore(apiKeysFile);
    const { key, record } = await store.create({ name: `admin-${Date.now()}`, role: "admin" });
    await handle.writeFile(`${key}\n`);
    await handle.sync();
    report("created", `admin API key ${record.id} (${keyFile}, mode 0640)`);
  } catch (error) {
    await handle.close();
    await rm(keyFile, { force: true });
    throw error;
  }
  await handle.close();
  await shareWithAgentGroup(keyFile);
}

async function shareWithAgentGroup(keyFile: string): Promise<void> {
  if (process.getuid?.() === 0) await chown(keyFile, 0, (await stat(dirname(keyFile))).gid);
  await chmod(keyFile, 0o640);
}

function report(action: "created" | "kept" | "skipped", what: string): void {
  console.log(`${action.padEnd(7)} ${what}`);
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
