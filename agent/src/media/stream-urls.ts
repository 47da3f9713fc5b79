import type { AgentConfig } from "../config/schema.ts";
import { urlHost } from "../util/host.ts";

export interface StreamUrls {
  rtsp: string;
  hls: string;
  /** WHEP endpoint for WebRTC players. */
  webrtc: string;
}

/** Contract D14: MediaMTX's own URL forms, on server.public_host or the host the client used. */
export function streamUrls(config: AgentConfig, clientHost: string, path: string): StreamUrls {
  const host = urlHost(config.server.public_host || clientHost);
  const { rtsp_port, hls_port, webrtc_port } = config.streams;
  const name = path.split("/").map(encodeURIComponent).join("/");
  return {
    rtsp: `rtsp://${host}:${rtsp_port}/${name}`,
    // MediaMTX serves these itself, over plain HTTP (config/mediamtx.yml sets no encryption).
    hls: `http://${host}:${hls_port}/${name}/index.m3u8`,
    webrtc: `http://${host}:${webrtc_port}/${name}/whep`,
  };
}
