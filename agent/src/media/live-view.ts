import type { AgentConfig } from "../config/schema.ts";
import { domainErrors } from "../domain-error.ts";
import type { CameraCatalog } from "./camera-catalog.ts";

/** The agent's own MediaMTX login (it may read every path). */
export interface MediaLogin {
  user: string;
  password: string;
}

/** A WHEP session id as MediaMTX makes them (a UUID). */
export const WHEP_SESSION = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** HLS playlists and segments as MediaMTX names them; nothing with a path in it. */
export const HLS_FILE = /^[\w-]{1,64}\.(m3u8|mp4|m4s|ts)$/;
/** An SDP offer from a browser is a few KiB; anything past this is not one. */
export const MAX_OFFER_BYTES = 64 * 1024;
const RELAY_TIMEOUT_MS = 10_000;

/**
 * Live video for the dashboard, relayed from MediaMTX on this machine: WHEP signalling (the
 * media itself flows between the browser and MediaMTX directly) and HLS. Through the agent,
 * so the page is same-origin (no CORS, no mixed content under TLS) and the browser holds no
 * media credential: the session cookie is checked by the route, MediaMTX sees the agent.
 */
export class LiveView {
  constructor(
    private readonly config: AgentConfig,
    private readonly cameras: CameraCatalog,
    private readonly login: MediaLogin | undefined,
    private readonly fetcher: typeof fetch = fetch,
  ) {}

  /** Starts a WebRTC session: MediaMTX's answer, its Location pointing back at `base`. */
  async offer(cameraId: string, sdp: string, base: string): Promise<Response> {
    const camera = this.published(cameraId);
    const answer = await this.relay(this.webrtcUrl(`${camera}/whep`), {
      method: "POST",
      headers: { "Content-Type": "application/sdp" },
      body: sdp,
    });
    const location = answer.headers.get("location");
    const session = location?.split("/").at(-1);
    const headers = new Headers(answer.headers);
    headers.delete("location");
    if (session && WHEP_SESSION.test(session)) headers.set("Location", `${base}/${session}`);
    return new Response(answer.body, { status: answer.status, headers });
  }

  /** Trickle ICE (PATCH) or hang-up (DELETE) of a session `offer` started. */
  session(
    cameraId: string,
    session: string,
    method: "PATCH" | "DELETE",
    body?: string,
    contentType?: string,
  ): Promise<Response> {
    const camera = this.published(cameraId);
    if (!WHEP_SESSION.test(session)) throw domainErrors.notFound("WHEP session", session);
    return this.relay(this.webrtcUrl(`${camera}/whep/${session}`), {
      method,
      ...(body === undefined ? {} : { body }),
      headers: contentType ? { "Content-Type": contentType } : {},
    });
  }

  /** A playlist or segment of the camera's HLS stream; `query` carries LL-HLS's _HLS_ params. */
  hls(cameraId: string, file: string, query: string): Promise<Response> {
    const camera = this.published(cameraId);
    if (!HLS_FILE.test(file)) throw domainErrors.notFound("HLS file", file);
    const { hls_port } = this.config.streams;
    const params = new URLSearchParams(query);
    const kept = new URLSearchParams(
      [...params].filter(([key]) => key.startsWith("_HLS_")).slice(0, 4),
    );
    const suffix = kept.size > 0 ? `?${kept}` : "";
    return this.relay(`http://127.0.0.1:${hls_port}/${camera}/${file}${suffix}`, {
      method: "GET",
    });
  }

  private published(cameraId: string): string {
    const camera = this.cameras.get(cameraId);
    if (!this.cameras.publishes(camera)) {
      throw domainErrors.invalidState("not_streamable", `${camera.id} has no stream to watch`);
    }
    return camera.id;
  }

  private webrtcUrl(path: string): string {
    return `http://127.0.0.1:${this.config.streams.webrtc_port}/${path}`;
  }

  private async relay(url: string, init: RequestInit): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.login) {
      const { user, password } = this.login;
      headers.set("Authorization", `Basic ${btoa(`${user}:${password}`)}`);
    }
    try {
      const answer = await this.fetcher(url, {
        ...init,
        headers,
        redirect: "manual",
        signal: AbortSignal.timeout(RELAY_TIMEOUT_MS),
      });
      // MediaMTX's own challenge would make the browser ask for a password it must not have.
      const kept = new Headers();
      for (const name of [
        "content-type",
        "location",
        "etag",
        "accept-patch",
        "cache-control",
        "link",
      ]) {
        const value = answer.headers.get(name);
        if (value !== null) kept.set(name, value);
      }
      return new Response(answer.body, { status: answer.status, headers: kept });
    } catch (error) {
      const reason =
        (error as Error).name === "TimeoutError" ? "did not answer in time" : "is not reachable";
      throw domainErrors.dependencyFailed("mediamtx", `MediaMTX ${reason}`);
    }
  }
}
