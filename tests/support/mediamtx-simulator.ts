// A MediaMTX control API stand-in (MediaMTX has no package here). It keeps configuration and
// path state like the real server and refuses - and records as a violation - every request
// the vendored OpenAPI spec does not allow. Tests assert `violations` stays empty.

import { join } from "node:path";
import type { Server } from "bun";
import { OpenApi } from "./openapi.ts";

const spec = new OpenApi(join(import.meta.dir, "../fixtures/mediamtx/openapi.yaml"));

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
}

export interface SimulatorOptions {
  credentials?: { user: string; password: string };
  /** Answer in the shape of releases before 1.15: deprecated fields only (ready, tracks, …). */
  legacy?: boolean;
}

export class MediaMtxSimulator {
  readonly violations: Violation[] = [];
  readonly calls: string[] = [];
  started = new Date().toISOString();
  private server: Server<undefined> | undefined;
  private port = 0;
  private global: Record<string, unknown> = {
    api: true,
    apiAddress: "127.0.0.1:9997",
    rtspAddress: ":8554",
  };
  private pathDefaults: Record<string, unknown> = { record: false, recordFormat: "fmp4" };
  private readonly confs = new Map<string, Record<string, unknown>>();
  private readonly runtime = new Map<string, RuntimePath>();
  private readonly recordings = new Map<string, string[]>();

  constructor(private readonly options: SimulatorOptions = {}) {}

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
    if (path) Object.assign(path, { available, codecs: available ? codecs : [] });
  }

  addRecording(path: string, starts: string[]): void {
    this.recordings.set(path, starts);
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
    this.calls.push(checked.match.operationId);
    return this.operate(
      checked.match.operationId,
      checked.match.params,
      body as Record<string, unknown>,
    );
  }

  private refuse(request: Request, url: URL, status: number, problem: string): Response {
    this.violations.push({ method: request.method, path: url.pathname + url.search, problem });
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
      case "configPathsAdd":
        if (this.confs.has(name)) return error(400, "path already exists");
        this.confs.set(name, { ...this.pathDefaults, ...body, name });
        this.runtime.set(name, {
          available: false,
          codecs: [],
          inboundBytes: 0,
          outboundBytes: 0,
          readers: 0,
        });
        return ok();
      case "configPathsPatch": {
        const conf = this.confs.get(name);
        if (!conf) return error(404, "path configuration not found");
        Object.assign(conf, body, { name });
        return ok();
      }
      case "configPathsReplace":
        if (!this.confs.has(name)) return error(404, "path configuration not found");
        this.confs.set(name, { ...this.pathDefaults, ...body, name });
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
