// A stand-in for MediaMTX's WebRTC server (no MediaMTX here): WHEP (RFC 9725) as MediaMTX
// speaks it — POST an SDP offer to /<path>/whep, 201 with the answer and a Location for the
// session, PATCH for trickle ICE, DELETE to hang up — asking the agent's auth hook with the
// body MediaMTX posts before every read (MediaMtxSimulator.askAuth). The media is real: ffmpeg
// encodes a VP8 test pattern to RTP, and werift sends that track to every session.

import { createSocket, Socket } from "node:dgram";
import type { Server } from "bun";
import { execa, type ResultPromise } from "execa";
import { MediaStreamTrack, RTCPeerConnection, RTCRtpCodecParameters } from "werift";
import type { MediaMtxSimulator } from "./mediamtx-simulator.ts";

export interface WhepStandInOptions {
  /** Asks this hook (the agent's, as MediaMTX is configured to) before every read. */
  authHook?: string;
  /** Whose paths it serves: a session is a reader of the path (on-demand paths start). */
  simulator: MediaMtxSimulator;
}

// werift's UDP sockets have no 'error' listener. Under Bun, a browser that went away (an ICMP
// port unreachable for the next packet sent to it) surfaces as an 'error' event on that socket,
// which with no listener would end the whole test process. MediaMTX just drops such a peer; so
// does this stand-in: an 'error' nobody listens for on a UDP socket is ignored.
const emit = Socket.prototype.emit;
Socket.prototype.emit = function (this: Socket, event: string | symbol, ...args: unknown[]) {
  if (event === "error" && this.listenerCount("error") === 0) return false;
  return emit.call(this, event, ...args);
} as typeof emit;

const VP8 = new RTCRtpCodecParameters({ mimeType: "video/VP8", clockRate: 90000 });

export class WhepStandIn {
  readonly sessions = new Map<string, { pc: RTCPeerConnection; path: string }>();
  /** Every request it answered: method, path, status. */
  readonly requests: { method: string; path: string; status: number }[] = [];
  /** While true, every WHEP request fails as if WebRTC were blocked on the network. */
  blocked = false;
  private server: Server<undefined> | undefined;
  private rtp: Socket | undefined;
  private encoder: ResultPromise | undefined;
  private readonly track = new MediaStreamTrack({ kind: "video" });

  constructor(private readonly options: WhepStandInOptions) {}

  get port(): number {
    if (!this.server?.port) throw new Error("the WHEP stand-in is not listening");
    return this.server.port;
  }

  async start(port = 0): Promise<this> {
    const rtp = createSocket("udp4");
    this.rtp = rtp;
    rtp.on("message", (packet) => this.track.writeRtp(packet));
    await new Promise<void>((resolve) => rtp.bind(0, "127.0.0.1", resolve));
    const rtpPort = rtp.address().port;
    this.encoder = execa(
      "ffmpeg",
      [
        ...["-hide_banner", "-loglevel", "error", "-re"],
        ...["-f", "lavfi", "-i", "testsrc=size=320x240:rate=15"],
        ...["-c:v", "libvpx", "-deadline", "realtime", "-b:v", "300k", "-g", "15"],
        ...["-payload_type", "96", "-f", "rtp", `rtp://127.0.0.1:${rtpPort}?pkt_size=1200`],
      ],
      { reject: false, stdin: "ignore" },
    );
    this.server = Bun.serve({
      hostname: "127.0.0.1",
      port,
      fetch: async (request) => {
        const response = await this.handle(request);
        this.requests.push({
          method: request.method,
          path: new URL(request.url).pathname,
          status: response.status,
        });
        return response;
      },
    });
    return this;
  }

  /** Idempotent: a test may stop it (MediaMTX going away) before its cleanup does. */
  async stop(): Promise<void> {
    for (const id of [...this.sessions.keys()]) await this.hangUp(id);
    this.server?.stop(true);
    this.server = undefined;
    this.encoder?.kill();
    await this.encoder;
    this.encoder = undefined;
    this.rtp?.close();
    this.rtp = undefined;
  }

  private async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (this.blocked) return new Response(null, { status: 503 });
    const whep = /^\/(.+)\/whep$/.exec(url.pathname);
    const session = /^\/(.+)\/whep\/([0-9a-f-]{36})$/.exec(url.pathname);
    if (request.method === "OPTIONS") {
      return new Response(null, {
        status: 204,
        headers: {
          "Access-Control-Allow-Methods": "OPTIONS, GET, POST, PATCH, DELETE",
          "Access-Control-Allow-Headers": "Authorization, Content-Type, If-Match",
        },
      });
    }
    if (whep && request.method === "POST") return this.offer(request, whep[1] ?? "");
    if (session && (request.method === "PATCH" || request.method === "DELETE")) {
      const id = session[2] ?? "";
      if (!this.sessions.has(id)) return new Response(null, { status: 404 });
      if (request.method === "PATCH") {
        if (request.headers.get("content-type") !== "application/trickle-ice-sdpfrag")
          return new Response(null, { status: 400 });
        await request.arrayBuffer();
        return new Response(null, { status: 204 });
      }
      await this.hangUp(id);
      return new Response(null, { status: 200 });
    }
    return new Response("not found\n", { status: 404 });
  }

  /** The session ends: its reader leaves the path. */
  private async hangUp(id: string): Promise<void> {
    const session = this.sessions.get(id);
    if (!session) return;
    this.sessions.delete(id);
    this.options.simulator.leave(session.path);
    await session.pc.close();
  }

  private async offer(request: Request, path: string): Promise<Response> {
    if (request.headers.get("content-type") !== "application/sdp") {
      return json(400, "invalid Content-Type");
    }
    const { authHook, simulator } = this.options;
    if (authHook && !(await simulator.readerAllowed(authHook, request, path, "webrtc"))) {
      return new Response(null, {
        status: 401,
        headers: { "WWW-Authenticate": 'Basic realm="mediamtx"' },
      });
    }
    if (!this.options.simulator.read(path)) {
      return json(404, `no stream is available on path '${path}'`);
    }
    const offer = await request.text();
    const pc = new RTCPeerConnection({ codecs: { video: [VP8], audio: [] } });
    pc.addTransceiver(this.track, { direction: "sendonly" });
    await pc.setRemoteDescription({ type: "offer", sdp: offer });
    await pc.setLocalDescription(await pc.createAnswer());
    // Non-trickle answer: every candidate in it, as MediaMTX answers.
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === "complete") return resolve();
      pc.iceGatheringStateChange.subscribe((state) => {
        if (state === "complete") resolve();
      });
    });
    const id = crypto.randomUUID();
    this.sessions.set(id, { pc, path });
    // A browser that goes away without DELETE: MediaMTX notices the peer connection close.
    pc.connectionStateChange.subscribe((state) => {
      if (state === "failed" || state === "closed") void this.hangUp(id);
    });
    return new Response(pc.localDescription?.sdp ?? "", {
      status: 201,
      headers: {
        "Content-Type": "application/sdp",
        Location: `/${path}/whep/${id}`,
        ETag: '"*"',
        ID: id,
        "Accept-Patch": "application/trickle-ice-sdpfrag",
      },
    });
  }
}

function json(status: number, error: string): Response {
  return Response.json({ status: "error", error }, { status });
}
