// A MediaMTX control API stand-in (MediaMTX has no package here). It keeps configuration and
// path state like the real server and refuses - and records as a violation - every request
// the vendored OpenAPI spec does not allow. Tests assert `violations` stays empty.
//
// Where the agent depends on the real server's behaviour, it mirrors it (each is tested in
// tests/integration/mediamtx-simulator.test.ts against the reference it cites):
// - a restart loses everything added through the API and reports a new `started`;
// - a runOnDemand path is not available until a reader arrives, and stops when none is left;
// - a recording path writes segments named by recordPath, its extension by recordFormat;
// - authMethod: http asks with the exact JSON body MediaMTX posts (askAuth);
// - a path's source must be "publisher", "redirect" or an rtsp(s)/whep(s) URL, sourceOnDemand
//   is refused on a published path and runOnDemand on a pulled one (conf/path.go, validate);
// - a pulled path with sourceOnDemand connects to its source when a reader arrives.

import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import type { Server } from "bun";
// As a file (a path), so a compiled simulator (mediamtx-simulator-main.ts) carries it inside.
import specFile from "../fixtures/mediamtx/openapi.yaml" with { type: "file" };
import { OpenApi } from "./openapi.ts";

const spec = new OpenApi(specFile as unknown as string);

export interface Violation {
  method: string;
  path: string;
  problem: string;
}

interface RuntimePath {
  available: boolean;
  codecs: string[];
  inboundBytes: number;
  outboundBytes: number;
  readers: number;
  onDemandRunning?: boolean;
  recording?: boolean;
}

/** What MediaMTX knows of a request it asks authHTTPAddress about. */
export interface AuthRequest {
  ip: string;
  action: "publish" | "read" | "playback" | "api" | "metrics" | "pprof";
  user?: string;
  password?: string;
  token?: string;
  path?: string;
  protocol?: "rtsp" | "rtmp" | "hls" | "webrtc" | "srt" | "";
  id?: string | null;
  query?: string;
}

export interface SimulatorOptions {
  credentials?: { user: string; password: string };
  /** Answer in the shape of releases before 1.15: deprecated fields only (ready, tracks, …). */
  legacy?: boolean;
  /** The API port (default: any free one). */
  port?: number;
  /** What a new recording segment holds (default: nothing; a real fMP4 for tests that play it). */
  segment?: Uint8Array;
  /** Told of every refused request as it happens (the standalone simulator prints them). */
  onViolation?: (violation: Violation) => void;
}

export class MediaMtxSimulator {
  readonly violations: Violation[] = [];
  readonly calls: string[] = [];
  /** Valid requests MediaMTX would refuse by its state (e.g. 400 "path already exists"). */
  readonly refusals: Array<{ operation: string; status: number; path: string }> = [];
  started = new Date().toISOString();
  private server: Server<undefined> | undefined;
  private port = 0;
  private global: Record<string, unknown> = {
    api: true,
    apiAddress: "127.0.0.1:9997",
    rtspAddress: ":8554",
  };
  // mediamtx.yml's defaults for what the simulator acts on.
  private pathDefaults: Record<string, unknown> = {
    record: false,
    recordFormat: "fmp4",
    recordPath: "./recordings/%path/%Y-%m-%d_%H-%M-%S-%f",
  };
  private readonly confs = new Map<string, Record<string, unknown>>();
  private readonly runtime = new Map<string, RuntimePath>();
  private readonly recordings = new Map<string, string[]>();

  constructor(private readonly options: SimulatorOptions = {}) {
    this.port = options.port ?? 0;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  start(): this {
    this.server = Bun.serve({
      hostname: "127.0.0.1",
      port: this.port,
      fetch: (request) => this.handle(request),
    });
    this.port = this.server.port ?? 0;
    return this;
  }

  stop(): void {
    this.server?.stop(true);
    this.server = undefined;
  }

  /**
   * MediaMTX's process dies: the API stops answering and everything added at run time is
   * gone (the real server keeps path configuration only in memory and in its yml file; the
   * agent adds its paths through the API, never to the file).
   */
  crash(): void {
    this.stop();
    this.confs.clear();
    this.runtime.clear();
  }

  /** The process starts again (after crash()): same port, a new `started` (/v3/info). */
  restartAfterCrash(): void {
    this.started = new Date(Math.max(Date.now(), Date.parse(this.started) + 1)).toISOString();
    this.start();
  }

  /** A MediaMTX restart: same port, configuration back to the file's, new `started`. */
  restart(): void {
    this.crash();
    this.restartAfterCrash();
  }

  pathConfigs(): Map<string, Record<string, unknown>> {
    return this.confs;
  }

  /** As if a publisher started (or stopped) on a configured path. */
  setAvailable(name: string, available: boolean, codecs: string[] = ["H264"]): void {
    const path = this.runtime.get(name);
    if (!path) return;
    Object.assign(path, { available, codecs: available ? codecs : [] });
    this.recordIfDue(name);
  }

  /**
   * A reader (RTSP/HLS/WebRTC client) asks for a path. On a runOnDemand path with no
   * publisher, MediaMTX starts the command and the path becomes available once it publishes
   * (here at once); without one, a path with no publisher is refused. Returns whether the
   * reader gets a stream.
   */
  read(name: string): boolean {
    const path = this.runtime.get(name);
    const conf = this.confs.get(name);
    if (!path || !conf) return false;
    if (!path.available) {
      if (!conf.runOnDemand && !conf.sourceOnDemand) return false;
      path.onDemandRunning = true;
      this.setAvailable(name, true);
    }
    path.readers++;
    return true;
  }

  /**
   * A reader leaves. With none left, an on-demand command is stopped (MediaMTX waits
   * runOnDemandCloseAfter first; here at once) and the path is unavailable again.
   */
  leave(name: string): void {
    const path = this.runtime.get(name);
    if (!path || path.readers === 0) return;
    path.readers--;
    if (path.readers === 0 && path.onDemandRunning) {
      path.onDemandRunning = false;
      this.setAvailable(name, false);
    }
  }

  /**
   * Asks `hookUrl` what MediaMTX's authMethod: http asks before a publish, read, playback or
   * API call: a POST with exactly these JSON fields, every one present (id is null when the
   * session has none); a 2xx answer allows. Returns the HTTP status.
   */
  async askAuth(hookUrl: string, request: AuthRequest): Promise<number> {
    const body = {
      ip: request.ip,
      user: request.user ?? "",
      password: request.password ?? "",
      token: request.token ?? "",
      action: request.action,
      path: request.path ?? "",
      protocol: request.protocol ?? "",
      id: request.id ?? null,
      query: request.query ?? "",
    };
    const response = await fetch(hookUrl, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  }

  /**
   * Whether a reader's HTTP request (HLS, WHEP) may read `path`, asked of `hookUrl` as MediaMTX
   * asks: a bearer token as `token`, Basic credentials as `user` and `password`, the query.
   */
  async readerAllowed(
    hookUrl: string,
    request: Request,
    path: string,
    protocol: "hls" | "webrtc",
  ): Promise<boolean> {
    const header = request.headers.get("authorization") ?? "";
    const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1] ?? "";
    const basic = /^Basic\s+(\S+)$/i.exec(header)?.[1];
    const [user = "", password = ""] = basic
      ? Buffer.from(basic, "base64").toString("utf8").split(/:(.*)/s)
      : [];
    const status = await this.askAuth(hookUrl, {
      ip: "127.0.0.1",
      action: "read",
      path,
      protocol,
      user,
      password,
      token,
      query: new URL(request.url).search.slice(1),
    });
    return status >= 200 && status <= 299;
  }

  /** Starts a segment file when a recording path has a publisher, as MediaMTX's recorder does. */
  private recordIfDue(name: string): void {
    const conf = this.confs.get(name);
    const path = this.runtime.get(name);
    if (!conf || !path?.available || conf.record !== true || path.recording) return;
    path.recording = true;
    const now = new Date();
    const file = segmentFile(String(conf.recordPath), String(conf.recordFormat), name, now);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, this.options.segment ?? "");
    this.recordings.set(name, [...(this.recordings.get(name) ?? []), now.toISOString()]);
  }

  private async handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const text = await request.text();
    let body: unknown;
    if (text !== "") {
      try {
        body = JSON.parse(text);
      } catch {
        return this.refuse(request, url, 400, "body is not JSON");
      }
    }
    const checked = spec.check(request.method, url, body);
    if (!checked.ok) return this.refuse(request, url, checked.status, checked.problem);
    const { user, password } = this.options.credentials ?? {};
    if (user !== undefined) {
      const expected = `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
      if (request.headers.get("authorization") !== expected)
        return error(401, "authentication error");
    }
    const operation = checked.match.operationId;
    this.calls.push(operation);
    const response = this.operate(operation, checked.match.params, body as Record<string, unknown>);
    if (response.status >= 400) {
      this.refusals.push({
        operation,
        status: response.status,
        path: checked.match.params.name ?? "",
      });
    }
    return response;
  }

  private refuse(request: Request, url: URL, status: number, problem: string): Response {
    const violation = { method: request.method, path: url.pathname + url.search, problem };
    this.violations.push(violation);
    this.options.onViolation?.(violation);
    return error(status, problem);
  }

  private operate(
    operation: string,
    params: Record<string, string>,
    body: Record<string, unknown>,
  ): Response {
    const name = params.name ?? "";
    switch (operation) {
      case "info":
        return json({ version: "v1.20.1", started: this.started });
      case "configGlobalGet":
        return json(this.global);
      case "configGlobalSet":
        Object.assign(this.global, body);
        return ok();
      case "configPathDefaultsGet":
        return json(this.pathDefaults);
      case "configPathDefaultsPatch":
        Object.assign(this.pathDefaults, body);
        return ok();
      case "configPathsList":
        return json(page([...this.confs.values()], params));
      case "configPathsGet": {
        const conf = this.confs.get(name);
        return conf ? json(conf) : error(404, "path configuration not found");
      }
      case "configPathsAdd": {
        if (this.confs.has(name)) return error(400, "path already exists");
        const conf = { ...this.pathDefaults, ...body, name };
        const invalid = invalidPathConf(conf);
        if (invalid) return error(400, invalid);
        this.confs.set(name, conf);
        this.runtime.set(name, {
          available: false,
          codecs: [],
          inboundBytes: 0,
          outboundBytes: 0,
          readers: 0,
        });
        this.recordIfDue(name);
        return ok();
      }
      case "configPathsPatch": {
        const conf = this.confs.get(name);
        if (!conf) return error(404, "path configuration not found");
        const invalid = invalidPathConf({ ...conf, ...body });
        if (invalid) return error(400, invalid);
        Object.assign(conf, body, { name });
        this.recordChanged(name);
        return ok();
      }
      case "configPathsReplace":
        if (!this.confs.has(name)) return error(404, "path configuration not found");
        this.confs.set(name, { ...this.pathDefaults, ...body, name });
        this.recordChanged(name);
        return ok();
      case "configPathsDelete":
        if (!this.confs.delete(name)) return error(404, "path configuration not found");
        this.runtime.delete(name);
        return ok();
      case "pathsList":
        return json(
          page(
            [...this.runtime.keys()].map((path) => this.pathState(path)),
            params,
          ),
        );
      case "pathsGet":
        return this.runtime.has(name) ? json(this.pathState(name)) : error(404, "path not found");
      case "recordingsList":
        return json(
          page(
            [...this.recordings].map(([path, starts]) => recording(path, starts)),
            params,
          ),
        );
      case "recordingsGet": {
        const starts = this.recordings.get(name);
        return starts ? json(recording(name, starts)) : error(404, "recording not found");
      }
      case "recordingsDeleteSegment": {
        const starts = this.recordings.get(params.path ?? "") ?? [];
        const index = starts.indexOf(params.start ?? "");
        if (index < 0) return error(404, "segment not found");
        starts.splice(index, 1);
        return ok();
      }
      default:
        return error(500, `the simulator does not implement ${operation}`);
    }
  }

  /** record turned off ends the segment; turned on (with a publisher) starts one. */
  private recordChanged(name: string): void {
    const path = this.runtime.get(name);
    if (path && this.confs.get(name)?.record !== true) path.recording = false;
    this.recordIfDue(name);
  }

  private pathState(name: string): Record<string, unknown> {
    const path = this.runtime.get(name) as RuntimePath;
    const readers = Array.from({ length: path.readers }, (_, i) => ({
      id: `r${i}`,
      type: "rtspSession",
    }));
    if (this.options.legacy) {
      return {
        name,
        confName: name,
        ready: path.available,
        readyTime: null,
        tracks: path.codecs,
        bytesReceived: path.inboundBytes,
        bytesSent: path.outboundBytes,
        readers,
        source: path.available ? { type: "rtspSession", id: "s1" } : null,
      };
    }
    return {
      name,
      confName: name,
      available: path.available,
      availableTime: null,
      online: path.available,
      onlineTime: null,
      tracks2: path.codecs.map((codec) => ({ codec, codecProps: {} })),
      inboundBytes: path.inboundBytes,
      outboundBytes: path.outboundBytes,
      inboundFramesInError: 0,
      readers,
      source: path.available ? { type: "rtspSession", id: "s1" } : null,
    };
  }
}

/** MediaMTX's own check of a path's source settings (conf/path.go), with its messages. */
function invalidPathConf(conf: Record<string, unknown>): string | undefined {
  const source = String(conf.source ?? "publisher");
  if (source !== "publisher" && source !== "redirect" && !/^(rtsps?|wheps?):\/\//.test(source))
    return `invalid source: '${source}'`;
  if (/^rtsps?:\/\//.test(source) && !URL.canParse(source)) return `'${source}' is not a valid URL`;
  if (conf.sourceOnDemand === true && source === "publisher")
    return "'sourceOnDemand' is useless when source is 'publisher'";
  if ((conf.runOnDemand || conf.runOnUnDemand) && source !== "publisher")
    return "'runOnDemand' and 'runOnUnDemand' can be used only when source is 'publisher'";
  return undefined;
}

/**
 * A segment's file: recordPath with MediaMTX's variables filled in (mediamtx.yml: "%path (path
 * name), %Y %m %d (year, month, day), %H %M %S (hours, minutes, seconds), %f (microseconds),
 * %z (time zone), %s (unix epoch)"; "Extension is added automatically"), in UTC, this machine's
 * and the appliance's zone.
 */
export function segmentFile(recordPath: string, format: string, path: string, at: Date): string {
  const two = (value: number) => String(value).padStart(2, "0");
  const values: Record<string, string> = {
    path,
    Y: String(at.getUTCFullYear()),
    m: two(at.getUTCMonth() + 1),
    d: two(at.getUTCDate()),
    H: two(at.getUTCHours()),
    M: two(at.getUTCMinutes()),
    S: two(at.getUTCSeconds()),
    f: String(at.getUTCMilliseconds() * 1000).padStart(6, "0"),
    z: "+0000",
    s: String(Math.floor(at.getTime() / 1000)),
  };
  const name = recordPath.replace(/%(path|[YmdHMSfzs])/g, (_, key: string) => values[key] ?? "");
  return `${name}${format === "mpegts" ? ".ts" : ".mp4"}`;
}

function page<T>(items: T[], params: Record<string, string>) {
  const perPage = Number(params.itemsPerPage ?? 100);
  const index = Number(params.page ?? 0);
  return {
    itemCount: items.length,
    pageCount: Math.ceil(items.length / perPage),
    items: items.slice(index * perPage, (index + 1) * perPage),
  };
}

function recording(name: string, starts: string[]) {
  return { name, segments: starts.map((start) => ({ start })) };
}

function json(value: unknown): Response {
  return Response.json(value);
}

function ok(): Response {
  return Response.json({ status: "ok" });
}

function error(status: number, message: string): Response {
  return Response.json({ status: "error", error: message }, { status });
}
