import type { AgentConfig } from "../config/schema.ts";
import type { MediaMtxClient } from "./client.ts";
import type { MediamtxCredentials } from "./credentials.ts";

/**
 * rtsp://<agent login>@<base>/<camera> for the agent's own reads. The base is
 * mediamtx.rtsp_url, else 127.0.0.1 on the port of MediaMTX's rtspAddress.
 */
export async function rtspReadUrl(
  config: AgentConfig,
  client: MediaMtxClient,
  credentials: MediamtxCredentials | undefined,
  cameraId: string,
): Promise<string> {
  let base = config.mediamtx.rtsp_url;
  if (base === "") {
    const address = String((await client.getGlobalConfig()).rtspAddress ?? ":8554");
    base = `rtsp://127.0.0.1:${address.slice(address.lastIndexOf(":") + 1) || "8554"}`;
  }
  if (!credentials) return `${base}/${cameraId}`;
  const login = `${encodeURIComponent(credentials.user)}:${encodeURIComponent(credentials.password)}@`;
  return `${base.replace("rtsp://", `rtsp://${login}`)}/${cameraId}`;
}
