import type { z } from "zod";
import type { Role } from "../auth/roles.ts";
import type { AgentServices } from "../services.ts";
import type { RpcConnection } from "./connection.ts";
import { paramsError } from "./errors.ts";

export interface MethodContext {
  connection: RpcConnection;
  services: AgentServices;
  /** Correlates this call's log lines with a -32603 the caller received. */
  requestId: string;
}

export interface RpcMethod {
  readonly name: string;
  /** Minimum role; null = callable before authentication. */
  readonly role: Role | null;
  readonly description: string;
  readonly params: z.ZodType;
  invoke(params: unknown, context: MethodContext): Promise<unknown>;
}

interface MethodSpec<S extends z.ZodType> {
  name: string;
  role: Role | null;
  description: string;
  /** Object schema; unknown keys are stripped, not refused (contract D16). */
  params: S;
  handler(params: z.output<S>, context: MethodContext): unknown;
}

/** A method is one small file: name, role, params schema, handler. */
export function defineMethod<S extends z.ZodType>(spec: MethodSpec<S>): RpcMethod {
  return {
    name: spec.name,
    role: spec.role,
    description: spec.description,
    params: spec.params,
    async invoke(params, context) {
      const parsed = spec.params.safeParse(params);
      if (!parsed.success) throw paramsError(parsed.error);
      return spec.handler(parsed.data, context);
    },
  };
}
