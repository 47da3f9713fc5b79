import { z } from "zod";
import { maskUrlCredentials } from "../util/url-credentials.ts";

/** MediaMTX answered, with an error status (400 invalid, 404 not found, …). */
export class MediaMtxError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "MediaMtxError";
  }
}

/** MediaMTX did not answer (down, refused, timed out). */
export class MediaMtxUnavailable extends Error {
  override name = "MediaMtxUnavailable";
}

/** Path configuration fields the agent sets; others MediaMTX reports are kept as they are. */
export const pathConfSchema = z.looseObject({
  name: z.string().optional(),
  source: z.string().optional(),
  sourceOnDemand: z.boolean().optional(),
  runOnInit: z.string().optional(),
  runOnInitRestart: z.boolean().optional(),
  runOnDemand: z.string().optional(),
  runOnDemandRestart: z.boolean().optional(),
  runOnDemandCloseAfter: z.string().optional(),
  record: z.boolean().optional(),
  recordPath: z.string().optional(),
  recordFormat: z.string().optional(),
  recordSegmentDuration: z.string().optional(),
});
export type PathConf = z.infer<typeof pathConfSchema>;

// Current fields and, for releases before they existed, their deprecated predecessors.
const pathSchema = z.looseObject({
  name: z.string(),
  confName: z.string().optional(),
  available: z.boolean().optional(),
  ready: z.boolean().optional(),
  online: z.boolean().optional(),
  tracks2: z.array(z.looseObject({ codec: z.string() })).optional(),
  tracks: z.array(z.string()).optional(),
  inboundBytes: z.number().optional(),
  bytesReceived: z.number().optional(),
  outboundBytes: z.number().optional(),
  bytesSent: z.number().optional(),
  readers: z.array(z.unknown()).nullable().optional(),
  source: z.looseObject({ type: z.string() }).nullable().optional(),
});

/** A runtime path in one shape whatever the MediaMTX release. */
export interface PathState {
  name: string;
  available: boolean;
  online: boolean;
  codecs: string[];
  inboundBytes: number;
  outboundBytes: number;
  readers: number;
  sourceType: string | undefined;
}

const infoSchema = z.looseObject({ version: z.string(), started: z.string() });
const listSchema = <T extends z.ZodType>(item: T) =>
  z.looseObject({ itemCount: z.number(), pageCount: z.number(), items: z.array(item) });

export interface ClientOptions {
  baseUrl: string;
  user?: string;
  password?: string;
  /** Per request; MediaMTX on localhost answers in milliseconds. */
  timeoutMs?: number;
}

const PAGE_SIZE = 100;

/** Typed client for the MediaMTX control API v3; every response is validated. */
export class MediaMtxClient {
  /** The Authorization header value, or undefined without credentials. */
  readonly authorization: string | undefined;

  constructor(private readonly options: ClientOptions) {
    this.authorization =
      options.user === undefined
        ? undefined
        : `Basic ${Buffer.from(`${options.user}:${options.password ?? ""}`).toString("base64")}`;
  }

  async info(): Promise<z.infer<typeof infoSchema>> {
    return infoSchema.parse(await this.request("GET", "/v3/info"));
  }

  async getGlobalConfig(): Promise<Record<string, unknown>> {
    return z
      .record(z.string(), z.unknown())
      .parse(await this.request("GET", "/v3/config/global/get"));
  }

  listPathConfigs(): Promise<PathConf[]> {
    return this.allPages("/v3/config/paths/list", pathConfSchema);
  }

  async addPathConfig(name: string, conf: PathConf): Promise<void> {
    await this.request("POST", `/v3/config/paths/add/${encodePath(name)}`, conf);
  }

  async patchPathConfig(name: string, conf: PathConf): Promise<void> {
    await this.request("PATCH", `/v3/config/paths/patch/${encodePath(name)}`, conf);
  }

  async deletePathConfig(name: string): Promise<void> {
    await this.request("DELETE", `/v3/config/paths/delete/${encodePath(name)}`);
  }

  async listPaths(): Promise<PathState[]> {
    return (await this.allPages("/v3/paths/list", pathSchema)).map(normalizePath);
  }

  async getPath(name: string): Promise<PathState | undefined> {
    return this.optional(async () =>
      normalizePath(
        pathSchema.parse(await this.request("GET", `/v3/paths/get/${encodePath(name)}`)),
      ),
    );
  }

  private async allPages<T extends z.ZodType>(path: string, item: T): Promise<Array<z.output<T>>> {
    const items: Array<z.output<T>> = [];
    for (let page = 0; ; page++) {
      const query = new URLSearchParams({ page: String(page), itemsPerPage: String(PAGE_SIZE) });
      const result = listSchema(item).parse(await this.request("GET", `${path}?${query}`));
      items.push(...(result.items as Array<z.output<T>>));
      if (page + 1 >= result.pageCount) return items;
    }
  }

  private async optional<T>(call: () => Promise<T>): Promise<T | undefined> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof MediaMtxError && error.status === 404) return undefined;
      throw error;
    }
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    let response: Response;
    try {
      response = await fetch(`${this.options.baseUrl}${path}`, {
        method,
        headers: {
          ...(this.authorization ? { Authorization: this.authorization } : {}),
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 3000),
      });
    } catch (error) {
      throw new MediaMtxUnavailable(
        `MediaMTX at ${this.options.baseUrl} did not answer: ${unreachableReason(error, this.options.timeoutMs ?? 3000)}`,
      );
    }
    const text = await response.text();
    const parsed: unknown = text === "" ? undefined : JSON.parse(text);
    if (!response.ok) {
      const message = z.object({ error: z.string() }).safeParse(parsed);
      throw new MediaMtxError(
        response.status,
        // MediaMTX quotes a path's source in its errors; a camera's source carries its login.
        message.success ? maskUrlCredentials(message.data.error) : `HTTP ${response.status}`,
      );
    }
    return parsed;
  }
}

/** A failed fetch in our words (the runtime's own messages ask users odd questions). */
function unreachableReason(error: unknown, timeoutMs: number): string {
  const { code, name } = error as { code?: string; name?: string };
  if (name === "TimeoutError") return `no answer within ${timeoutMs} ms`;
  switch (code) {
    case "ECONNREFUSED":
      return "connection refused (is it running?)";
    case "ENOTFOUND":
      return "host name not found";
    case "ECONNRESET":
      return "connection reset";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    default:
      return code ?? "connection failed";
  }
}

function normalizePath(path: z.infer<typeof pathSchema>): PathState {
  const available = path.available ?? path.ready ?? false;
  return {
    name: path.name,
    available,
    online: path.online ?? available,
    codecs: path.tracks2?.map((track) => track.codec) ?? path.tracks ?? [],
    inboundBytes: path.inboundBytes ?? path.bytesReceived ?? 0,
    outboundBytes: path.outboundBytes ?? path.bytesSent ?? 0,
    readers: path.readers?.length ?? 0,
    sourceType: path.source?.type,
  };
}

/** Path names may contain "/", which MediaMTX takes literally in the URL. */
function encodePath(name: string): string {
  return name.split("/").map(encodeURIComponent).join("/");
}
