import { type ErrorObject, type RpcError, rpcErrors } from "./errors.ts";

export type RequestId = string | number | null;

export interface RpcRequest {
  /** `undefined` when the member is absent: a notification, never answered. */
  id: RequestId | undefined;
  method: string;
  /** Named params; `positional` marks an array, refused later with -32602 (after auth checks). */
  params: Record<string, unknown>;
  positional: boolean;
}

export type EnvelopeResult =
  | { ok: true; request: RpcRequest }
  | { ok: false; id: RequestId; error: RpcError };

export type RpcResponse =
  | { jsonrpc: "2.0"; id: RequestId; result: unknown }
  | { jsonrpc: "2.0"; id: RequestId; error: ErrorObject };

/** The envelope rules of JSON-RPC 2.0 §4 as the contract (§2, D3) applies them. */
export function readEnvelope(value: unknown): EnvelopeResult {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return invalid(null, "invalid_request", "a request must be a JSON object");
  }
  const message = value as Record<string, unknown>;
  const hasId = Object.hasOwn(message, "id");
  const rawId = message.id;
  if (hasId && !isValidId(rawId)) {
    return invalid(null, "invalid_id", "id must be a string, a number or null");
  }
  const id = hasId ? (rawId as RequestId) : null;
  if (message.jsonrpc !== "2.0") {
    return invalid(id, "invalid_jsonrpc_version", 'jsonrpc must be exactly "2.0"');
  }
  if (typeof message.method !== "string") {
    return invalid(id, "invalid_method", "method must be a string");
  }
  const params = message.params;
  if (params !== undefined && (typeof params !== "object" || params === null)) {
    return invalid(id, "invalid_params_type", "params must be an object when present");
  }
  return {
    ok: true,
    request: {
      id: hasId ? (rawId as RequestId) : undefined,
      method: message.method,
      params:
        params === undefined || Array.isArray(params) ? {} : (params as Record<string, unknown>),
      positional: Array.isArray(params),
    },
  };
}

function isValidId(id: unknown): boolean {
  return id === null || typeof id === "string" || (typeof id === "number" && Number.isFinite(id));
}

function invalid(id: RequestId, reason: string, details: string): EnvelopeResult {
  return { ok: false, id, error: rpcErrors.invalidRequest(reason, details) };
}

export function resultResponse(id: RequestId, result: unknown): RpcResponse {
  return { jsonrpc: "2.0", id, result };
}

export function errorResponse(id: RequestId, error: RpcError): RpcResponse {
  return { jsonrpc: "2.0", id, error: error.toObject() };
}
