import { z } from "zod";
import { defineMethod, type RpcMethod } from "../method.ts";

type JsonSchema = { properties?: Record<string, unknown>; required?: string[] };

/** `rpc.discover`: an OpenRPC 1.2 document generated from the methods' own param schemas. */
export function discoverMethod(listed: readonly RpcMethod[], version: string): RpcMethod {
  const self: RpcMethod = defineMethod({
    name: "rpc.discover",
    role: "viewer",
    description: "This API as an OpenRPC 1.2 document, generated from the method schemas.",
    params: z.object({}),
    handler: () => ({
      openrpc: "1.2.6",
      info: { title: "camera-agent JSON-RPC API", version },
      methods: [...listed, self].map((method) => {
        const schema = z.toJSONSchema(method.params, { unrepresentable: "any" }) as JsonSchema;
        const required = new Set(schema.required ?? []);
        return {
          name: method.name,
          description: method.description,
          paramStructure: "by-name",
          params: Object.entries(schema.properties ?? {}).map(([name, property]) => ({
            name,
            required: required.has(name),
            schema: property,
          })),
          result: { name: "result", schema: {} },
          "x-required-role": method.role ?? "none",
        };
      }),
    }),
  });
  return self;
}
