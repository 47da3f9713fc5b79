import { connect, type Socket } from "node:net";
import { answerChallenge } from "../login-challenge.ts";

/** Largest DESCRIBE answer read (headers and SDP): cameras send a few KiB. */
const MAX_ANSWER_BYTES = 64 * 1024;

export type DescribeFailure =
  | "unauthorized"
  | "unreachable"
  | "timeout"
  | "not_found"
  | "refused"
  | "not_rtsp";

export type DescribeResult =
  | { ok: true; sdp: string }
  | { ok: false; reason: DescribeFailure; message: string };

export interface DescribeOptions {
  url: string;
  username: string;
  password: string;
  timeoutMs: number;
}

interface Answer {
  status: number;
  headers: Map<string, string[]>;
  body: string;
}

/**
 * Asks an RTSP server to describe a stream (RFC 2326 DESCRIBE), answering a Basic or Digest
 * challenge with the login. What a reachability check needs, at the cost of one TCP
 * connection and no media. Messages never include the login.
 */
export async function describeStream(options: DescribeOptions): Promise<DescribeResult> {
  const target = new URL(options.url);
  const port = Number(target.port || 554);
  const host = target.hostname.replace(/^\[|\]$/g, "");
  const deadline = Date.now() + options.timeoutMs;
  const dial = () => Connection.open(host, port, Math.max(1, deadline - Date.now()));
  let connection: Connection | undefined;
  try {
    connection = await dial();
    let answer = await connection.describe(options.url, 1, undefined, deadline);
    if (answer.status === 401 && options.username !== "") {
      const authorization = answerChallenge(answer.headers.get("www-authenticate") ?? [], {
        method: "DESCRIBE",
        uri: options.url,
        username: options.username,
        password: options.password,
      });
      if (!authorization) {
        return {
          ok: false,
          reason: "not_rtsp",
          message: "the camera asks for a login in a way this agent does not support",
        };
      }
      try {
        answer = await connection.describe(options.url, 2, authorization, deadline);
      } catch (error) {
        // Some cameras close the connection after a 401: ask again on a new one.
        if (!(error instanceof ConnectionClosed)) throw error;
        connection.close();
        connection = await dial();
        answer = await connection.describe(options.url, 2, authorization, deadline);
      }
    }
    if (answer.status === 200) return { ok: true, sdp: answer.body };
    if (answer.status === 401) {
      return {
        ok: false,
        reason: "unauthorized",
        message:
          options.username === ""
            ? "the camera needs a username and password"
            : "the camera refused the username or password",
      };
    }
    if (answer.status === 404)
      return { ok: false, reason: "not_found", message: "the camera has no stream at this path" };
    return { ok: false, reason: "refused", message: `the camera answered ${answer.status}` };
  } catch (error) {
    return failure(error);
  } finally {
    connection?.close();
  }
}

/** One TCP connection to the camera, reading one RTSP answer at a time from its bytes. */
class Connection {
  private buffer = Buffer.alloc(0);
  private waiting: (() => void) | undefined;
  private ended: Error | undefined;

  static open(host: string, port: number, timeoutMs: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new DescribeError("timeout", `no connection within ${timeoutMs} ms`));
      }, timeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        resolve(new Connection(socket));
      });
      socket.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      this.waiting?.();
    });
    socket.on("error", (error) => {
      const code = (error as { code?: string }).code;
      this.ended = code === "ECONNRESET" || code === "EPIPE" ? new ConnectionClosed() : error;
      this.waiting?.();
    });
    socket.on("close", () => {
      this.ended ??= new ConnectionClosed();
      this.waiting?.();
    });
  }

  close(): void {
    this.socket.destroy();
  }

  describe(
    url: string,
    sequence: number,
    authorization: string | undefined,
    deadline: number,
  ): Promise<Answer> {
    if (this.ended) return Promise.reject(this.ended);
    const lines = [
      `DESCRIBE ${url} RTSP/1.0`,
      `CSeq: ${sequence}`,
      "Accept: application/sdp",
      "User-Agent: camera-agent",
      ...(authorization ? [`Authorization: ${authorization}`] : []),
    ];
    this.socket.write(`${lines.join("\r\n")}\r\n\r\n`);
    return this.next(deadline);
  }

  private async next(deadline: number): Promise<Answer> {
    for (;;) {
      const answer = this.take();
      if (answer) return answer;
      if (this.buffer.length > MAX_ANSWER_BYTES)
        throw new DescribeError("not_rtsp", "the answer is too large for an RTSP description");
      if (this.ended) throw this.ended;
      const left = deadline - Date.now();
      if (left <= 0) throw new DescribeError("timeout", "the camera did not answer in time");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.waiting = undefined;
    }
  }

  private take(): Answer | undefined {
    const end = this.buffer.indexOf("\r\n\r\n");
    if (end < 0) return undefined;
    const [statusLine = "", ...headerLines] = this.buffer
      .subarray(0, end)
      .toString("latin1")
      .split("\r\n");
    const status = /^RTSP\/1\.\d (\d{3})/.exec(statusLine);
    if (!status) throw new DescribeError("not_rtsp", "the server does not speak RTSP");
    const headers = new Map<string, string[]>();
    for (const line of headerLines) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
    }
    const length = Number(headers.get("content-length")?.[0] ?? 0);
    if (!Number.isInteger(length) || length < 0 || length > MAX_ANSWER_BYTES)
      throw new DescribeError("not_rtsp", "the answer has an invalid Content-Length");
    if (this.buffer.length < end + 4 + length) return undefined;
    const body = this.buffer.subarray(end + 4, end + 4 + length).toString("utf8");
    this.buffer = this.buffer.subarray(end + 4 + length);
    return { status: Number(status[1]), headers, body };
  }
}

class DescribeError extends Error {
  constructor(
    readonly reason: DescribeFailure,
    message: string,
  ) {
    super(message);
  }
}

/** The camera hung up before answering. */
class ConnectionClosed extends DescribeError {
  constructor() {
    super("not_rtsp", "the camera closed the connection");
  }
}

function failure(error: unknown): DescribeResult {
  if (error instanceof DescribeError)
    return { ok: false, reason: error.reason, message: error.message };
  const code = (error as { code?: string }).code;
  const why =
    code === "ECONNREFUSED"
      ? "connection refused"
      : code === "ENOTFOUND" || code === "EAI_AGAIN"
        ? "unknown host name"
        : code === "EHOSTUNREACH" || code === "ENETUNREACH"
          ? "no route to the camera"
          : code === "ECONNRESET"
            ? "connection reset"
            : (code ?? "connection failed");
  return { ok: false, reason: "unreachable", message: `unreachable: ${why}` };
}
