import type { AgentConfig } from "../config/schema.ts";
import { urlHost } from "../util/host.ts";
import type { DownloadKind, DownloadSigner } from "./download-token.ts";

/** An absolute, signed URL on the API port (contract D6), so a plain browser link works. */
export function downloadUrl(
  config: AgentConfig,
  signer: DownloadSigner,
  client: { host: string; port: number },
  kind: DownloadKind,
  name: string,
): string {
  const host = urlHost(config.server.public_host || client.host);
  const scheme = config.server.tls_cert ? "https" : "http";
  const token = encodeURIComponent(signer.sign(kind, name));
  // The port the client reached us on (right behind port mapping too), unless a public host is set.
  const port = config.server.public_host && config.server.port ? config.server.port : client.port;
  return `${scheme}://${host}:${port}/files/${kind}/${encodeURIComponent(name)}?token=${token}`;
}
