// A stand-in for MediaMTX's HLS server (no MediaMTX here): GET /<path>/<file> for a path's
// playlist and fMP4 segments, asking the agent's auth hook before every read like MediaMTX
// (protocol "hls"), 404 for a path with no stream. The media is real: ffmpeg writes a live
// H.264 test pattern as HLS into a temporary folder, one stream for every path.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Server } from "bun";
import { execa, type ResultPromise } from "execa";
import type { MediaMtxSimulator } from "./mediamtx-simulator.ts";

const TYPES: Record<string, string> = {
  m3u8: "application/vnd.apple.mpegurl",
  mp4: "video/mp4",
  m4s: "video/iso.segment",
};

export class HlsStandIn {
  /** While true, every request fails as if HLS were blocked on the network. */
  blocked = false;
  readonly requests: { path: string; status: number }[] = [];
  private server: Server<undefined> | undefined;
  private encoder: ResultPromise | undefined;
  private readonly dir = mkdtempSync(join(tmpdir(), "hls-stand-in-"));

  constructor(private readonly options: { simulator: MediaMtxSimulator; authHook?: string }) {}

  get port(): number {
    if (!this.server?.port) throw new Error("the HLS stand-in is not listening");
    return this.server.port;
  }

  async start(port = 0): Promise<this> {
    this.encoder = execa(
      "ffmpeg",
      [
        ...["-hide_banner", "-loglevel", "error", "-re"],
        ...["-f", "lavfi", "-i", "testsrc=size=320x240:rate=15"],
        ...["-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "15"],
        ...["-pix_fmt", "yuv420p", "-f", "hls", "-hls_time", "1", "-hls_list_size", "4"],
        ...["-hls_flags", "delete_segments", "-hls_segment_type", "fmp4"],
        ...["-hls_fmp4_init_filename", "init.mp4"],
        ...["-hls_segment_filename", join(this.dir, "seg%05d.m4s")],
        join(this.dir, "index.m3u8"),
      ],
      { reject: false, stdin: "ignore" },
    );
    this.server = Bun.serve({
      hostname: "127.0.0.1",
      port,
      fetch: async (request) => {
        const response = await this.handle(request);
        this.requests.push({ path: new URL(request.url).pathname, status: response.status });
        return response;
      },
    });
    return this;
  }

  async stop(): Promise<void> {
    this.server?.stop(true);
    this.server = undefined;
    this.encoder?.kill();
    await this.encoder;
    this.encoder = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async handle(request: Request): Promise<Response> {
    if (this.blocked) return new Response(null, { status: 503 });
    const url = new URL(request.url);
    const match = /^\/(.+)\/([\w-]+\.(m3u8|mp4|m4s))$/.exec(url.pathname);
    if (request.method !== "GET" || !match) return new Response("not found\n", { status: 404 });
    const [, path = "", file = "", extension = ""] = match;
    const { authHook, simulator } = this.options;
    if (authHook && !(await simulator.readerAllowed(authHook, request, path, "hls"))) {
      return new Response(null, {
        status: 401,
        headers: { "WWW-Authenticate": 'Basic realm="mediamtx"' },
      });
    }
    // MediaMTX keeps an HLS muxer per path while it is read; here: the path must have a stream.
    if (!this.options.simulator.read(path)) return new Response("not found\n", { status: 404 });
    this.options.simulator.leave(path);
    const body = Bun.file(join(this.dir, file));
    if (!(await body.exists())) return new Response("not found\n", { status: 404 });
    return new Response(body, { headers: { "Content-Type": TYPES[extension] ?? "" } });
  }
}
