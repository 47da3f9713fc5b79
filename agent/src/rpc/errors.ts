import type { z } from "zod";
import type { Role } from "../auth/roles.ts";
import { plainZodMessage } from "../util/zod-message.ts";

export const ERROR_CODES = {
  parse: -32700,
  invalidRequest: -32600,
  methodNotFound: -32601,
  invalidParams: -32602,
  internal: -32603,
  auth: -32001,
  permission: -32002,
  notFound: -32010,
  invalidState: -32020,
  unsupported: -32030,
  rateLimited: -32040,
  dependency: -32050,
} as const;

export type ErrorCode = (typeof ERROR_CODES)[keyof typeof ERROR_CODES];

/** Wire messages are fixed by the contract (§9); clients match some of them verbatim. */
const MESSAGES: Record<ErrorCode, string> = {
  [-32700]: "Parse error",
  [-32600]: "Invalid Request",
  [-32601]: "Method not found",
  [-32602]: "Invalid parameters",
  [-32603]: "Internal server error",
  [-32001]: "Authentication failed or token expired",
  [-32002]: "Permission denied",
  [-32010]: "Not found",
  [-32020]: "Invalid state",
  [-32030]: "Unsupported",
  [-32040]: "Rate limited",
  [-32050]: "Dependency failed",
};

export interface ErrorData {
  reason: string;
  details: string;
  suggestion: string;
  [key: string]: unknown;
}

export interface ErrorObject {
  code: ErrorCode;
  message: string;
  data: ErrorData;
}

/** A failure a handler reports to the caller; anything else thrown becomes -32603. */
export class RpcError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly data: ErrorData,
  ) {
    super(MESSAGES[code]);
    this.name = "RpcError";
  }

  toObject(): ErrorObject {
    return { code: this.code, message: this.message, data: this.data };
  }
}

function error(code: ErrorCode, data: ErrorData): RpcError {
  return new RpcError(code, data);
}

export const rpcErrors = {
  parse: () =>
    error(ERROR_CODES.parse, {
      reason: "parse_error",
      details: "the message is not valid JSON",
      suggestion: "send one UTF-8 JSON-RPC 2.0 object (or an array of them) per text frame",
    }),
  invalidRequest: (reason: string, details: string) =>
    error(ERROR_CODES.invalidRequest, {
      reason,
      details,
      suggestion: 'send {"jsonrpc":"2.0","method":"<name>","params":{…},"id":<number|string>}',
      hint: details,
    }),
  methodNotFound: () =>
    error(ERROR_CODES.methodNotFound, {
      reason: "method_not_found",
      details: "no method by that name",
      suggestion: "rpc.discover lists the methods (after authenticate)",
      hint: "check the method name",
    }),
  invalidParams: (param: string, rule: string, details: string) =>
    error(ERROR_CODES.invalidParams, {
      reason: "invalid_params",
      details,
      suggestion: "correct the named parameter and retry",
      param,
      rule,
      hint: details,
    }),
  internal: (requestId: string, reason = "internal_error") =>
    error(ERROR_CODES.internal, {
      reason,
      details: "the request failed inside the agent; the log has the cause",
      suggestion: "retry; if it persists, report the request_id from this error",
      request_id: requestId,
    }),
  authentication: (reason: "auth_required" | "auth_failed" | "token_expired" | "key_revoked") =>
    error(ERROR_CODES.auth, {
      reason,
      details: AUTH_DETAILS[reason],
      suggestion: "call authenticate with a valid JWT or API key",
    }),
  permissionDenied: (required: Role, have: Role) =>
    error(ERROR_CODES.permission, {
      reason: "permission_denied",
      details: `this method needs the ${required} role; the session has ${have}`,
      suggestion: "authenticate with a credential of a higher role",
      required_role: required,
      have_role: have,
    }),
  rateLimited: (retryAfterMs: number, details = "too many requests on this connection") =>
    error(ERROR_CODES.rateLimited, {
      reason: "rate_limited",
      details,
      suggestion: `retry after ${retryAfterMs} ms`,
      retry_after_ms: retryAfterMs,
    }),
  notFound: (resource: string, id: string) =>
    error(ERROR_CODES.notFound, {
      reason: "not_found",
      details: `no ${resource} with that id`,
      suggestion: `list the ${resource}s and use an id from the list`,
      resource,
      id,
    }),
  invalidState: (state: string, details: string) =>
    error(ERROR_CODES.invalidState, {
      reason: "invalid_state",
      details,
      suggestion: "check the camera's state and retry",
      state,
    }),
  storageFull: (usedPercent: number) =>
    error(ERROR_CODES.invalidState, {
      reason: "storage_full",
      details: `the storage volume is ${usedPercent.toFixed(1)}% full`,
      suggestion: "free space (delete files, tighten the retention policy) and retry",
      state: "STORAGE_FULL",
      used_percent: Math.round(usedPercent * 10) / 10,
    }),
  dependencyFailed: (dependency: string, detail: string) =>
    error(ERROR_CODES.dependency, {
      reason: "dependency_failed",
      details: `${dependency}: ${detail}`,
      suggestion: "check the named dependency's health (/health/detailed) and retry",
      dependency,
      detail,
    }),
  shuttingDown: (requestId: string) => rpcErrors.internal(requestId, "shutting_down"),
};

const AUTH_DETAILS = {
  auth_required: "this method needs an authenticated session",
  auth_failed: "the credential was not accepted",
  token_expired: "the credential has expired",
  key_revoked: "the API key has been revoked",
} as const;

/** -32602 from the first validation problem; zod messages name the rule, never the raw input. */
export function paramsError(zodError: z.ZodError): RpcError {
  const issue = zodError.issues[0];
  if (!issue) return rpcErrors.invalidParams("params", "invalid", "invalid parameters");
  const param = issue.path.map(String).join(".") || "params";
  const missing = issue.code === "invalid_type" && issue.input === undefined;
  const rule = missing ? "required" : (RULES[issue.code] ?? issue.code);
  const message = missing ? "is required" : plainZodMessage(issue.message);
  return rpcErrors.invalidParams(param, rule, `${param}: ${message}`);
}

const RULES: Record<string, string> = {
  invalid_type: "type",
  invalid_format: "pattern",
  too_big: "range",
  too_small: "range",
  invalid_value: "enum",
  unrecognized_keys: "unknown",
  custom: "invalid",
};
