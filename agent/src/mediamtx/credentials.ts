import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import type { AgentConfig } from "../config/schema.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { hostPort } from "../util/host.ts";
import { MEDIA_AUTH_PATH } from "./media-auth-path.ts";

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

/**
 * The password as mediamtx.yml may hold it instead of the secret itself: MediaMTX accepts
 * "sha256:" followed by the base64 (standard alphabet) of the password's SHA-256.
 */
export function mediamtxPasswordHash(password: string): string {
  return createHash("sha256").update(password).digest("base64");
}

/** The template with its @@NAME@@ placeholders filled; an unknown placeholder is an error. */
export function renderMediamtxConfig(template: string, values: Record<string, string>): string {
  return template.replace(/@@([A-Z0-9_]+)@@/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined)
      throw new Error(`the MediaMTX template uses an unknown placeholder @@${name}@@`);
    return value;
  });
}

/**
 * Where MediaMTX reaches the agent's authentication hook: this machine when the API listens
 * on every address or loopback, else the address it listens on; https with the certificate's
 * fingerprint pinned when the API port has TLS.
 */
export async function agentAuthHook(
  config: AgentConfig,
): Promise<{ url: string; fingerprint: string }> {
  const { host, port, tls_cert } = config.server;
  const local = ["::", "0.0.0.0", "localhost", "127.0.0.1"].includes(host);
  const url = `${tls_cert ? "https" : "http"}://${hostPort(local ? "127.0.0.1" : host, port)}${MEDIA_AUTH_PATH}`;
  if (!tls_cert) return { url, fingerprint: "" };
  const certificate = new X509Certificate(await readFile(tls_cert, "utf8"));
  return { url, fingerprint: certificate.fingerprint256.replaceAll(":", "") };
}
