import { roleAtLeast } from "../auth/roles.ts";
import { DomainError } from "../domain-error.ts";
import type { Logger } from "../log/logger.ts";
import type { AgentServices } from "../services.ts";
import type { CallObserver } from "../status/call-observer.ts";
import type { RpcConnection } from "./connection.ts";
import { rpcErrorFor } from "./domain-errors.ts";
import {
  errorResponse,
  type RequestId,
  type RpcRequest,
  type RpcResponse,
  readEnvelope,
  resultResponse,
} from "./envelope.ts";
import { RpcError, rpcErrors } from "./errors.ts";
import type { RpcMethod } from "./method.ts";
import { peekRequestId } from "./peek-id.ts";

export interface EngineOptions {
  methods: readonly RpcMethod[];
  services: AgentServices;
  observer: CallObserver;
  log: Logger;
  maxFrameBytes: number;
  maxBatch: number;
  /** Where calls in flight are counted (health and metrics read it). */
  activity?: { inFlight: number };
}

/** Turns one WebSocket text frame into the text to send back (or nothing). */
export class RpcEngine {
  private readonly methods: Map<string, RpcMethod>;
  private readonly activity: { inFlight: number };
  private idleWaiters: Array<() => void> = [];
  private draining = false;
  private sequence = 0;

  constructor(private readonly options: EngineOptions) {
    this.methods = new Map(options.methods.map((method) => [method.name, method]));
    this.activity = options.activity ?? { inFlight: 0 };
  }

  get inFlight(): number {
    return this.activity.inFlight;
  }

  /** After this, new requests are refused; `idle()` resolves when running ones have finished. */
  drain(): void {
    this.draining = true;
  }

  idle(): Promise<void> {
    if (this.activity.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async handleFrame(text: string, connection: RpcConnection): Promise<string | undefined> {
    this.activity.inFlight++;
    try {
      return await this.frame(text, connection);
    } finally {
      this.activity.inFlight--;
      if (this.activity.inFlight === 0) for (const wake of this.idleWaiters.splice(0)) wake();
    }
  }

  private async frame(text: string, connection: RpcConnection): Promise<string | undefined> {
    const { maxFrameBytes, maxBatch } = this.options;
    if (text.length > maxFrameBytes || Buffer.byteLength(text) > maxFrameBytes) {
      this.options.observer.observe("invalid", "-32600", 0);
      const error = rpcErrors.invalidRequest(
        "frame_too_large",
        `a message may be at most ${maxFrameBytes} bytes`,
      );
      return JSON.stringify(errorResponse(peekRequestId(text) ?? null, error));
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.options.observer.observe("invalid", "-32700", 0);
      return JSON.stringify(errorResponse(null, rpcErrors.parse()));
    }
    if (!Array.isArray(value)) {
      const response = await this.one(value, connection);
      return response && JSON.stringify(response);
    }
    if (value.length === 0 || value.length > maxBatch) {
      this.options.observer.observe("invalid", "-32600", 0);
      const error =
        value.length === 0
          ? rpcErrors.invalidRequest("empty_batch", "an empty array is not a request")
          : rpcErrors.invalidRequest(
              "batch_too_large",
              `a batch may hold at most ${maxBatch} requests`,
            );
      return JSON.stringify(errorResponse(null, error));
    }
    const responses = await Promise.all(value.map((item) => this.one(item, connection)));
    const answered = responses.filter((response) => response !== undefined);
    return answered.length > 0 ? JSON.stringify(answered) : undefined;
  }

  private async one(value: unknown, connection: RpcConnection): Promise<RpcResponse | undefined> {
    const started = performance.now();
    const envelope = readEnvelope(value);
    if (!envelope.ok) {
      this.options.observer.observe("invalid", String(envelope.error.code), 0);
      return errorResponse(envelope.id, envelope.error);
    }
    const { request } = envelope;
    const method = this.methods.get(request.method);
    const id: RequestId = request.id ?? null;
    const requestId = `${connection.id}-${++this.sequence}`;
    let response: RpcResponse;
    try {
      response = resultResponse(id, await this.execute(request, method, connection, requestId));
    } catch (error) {
      response = errorResponse(id, this.asRpcError(error, request.method, requestId));
    }
    const outcome = "error" in response ? String(response.error.code) : "ok";
    this.options.observer.observe(
      method?.name ?? "unknown",
      outcome,
      (performance.now() - started) / 1000,
    );
    return request.id === undefined ? undefined : response;
  }

  /** The contract's processing order (§2): rate limit, method, auth, role, params, run. */
  private async execute(
    request: RpcRequest,
    method: RpcMethod | undefined,
    connection: RpcConnection,
    requestId: string,
  ): Promise<unknown> {
    if (method?.name !== "ping") {
      const waitMs = connection.limiter.take();
      if (waitMs > 0) throw rpcErrors.rateLimited(waitMs);
    }
    if (!method) throw rpcErrors.methodNotFound();
    if (this.draining) throw rpcErrors.shuttingDown(requestId);
    if (method.role !== null) {
      if (connection.pendingAuthentication) await connection.pendingAuthentication;
      const identity = connection.identity;
      if (!identity) throw rpcErrors.authentication("auth_required");
      const session = await this.options.services.authenticator.check(identity);
      if (session !== "valid") throw rpcErrors.authentication(session);
      if (!roleAtLeast(identity.role, method.role)) {
        throw rpcErrors.permissionDenied(method.role, identity.role);
      }
    }
    if (request.positional) {
      throw rpcErrors.invalidParams(
        "params",
        "type",
        "params must be an object of named parameters; arrays are not supported",
      );
    }
    return method.invoke(request.params, {
      connection,
      services: this.options.services,
      requestId,
    });
  }

  private asRpcError(error: unknown, method: string, requestId: string): RpcError {
    if (error instanceof RpcError) return error;
    if (error instanceof DomainError) return rpcErrorFor(error);
    this.options.log.error(
      { err: error, method: this.methods.has(method) ? method : "unknown", request_id: requestId },
      "RPC handler failed",
    );
    return rpcErrors.internal(requestId);
  }
}
