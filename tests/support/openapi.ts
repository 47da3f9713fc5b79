// The subset of OpenAPI 3.0 that MediaMTX's spec uses, enough to decide whether a request is
// one the real server would accept: operations by method and path template, path and query
// parameters, and JSON bodies ($ref, type, format, enum, nullable, allOf, oneOf, items,
// properties). Request objects are closed: MediaMTX rejects unknown fields.
import { readFileSync } from "node:fs";
import YAML from "yaml";

export interface Schema {
  $ref?: string;
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  enum?: unknown[];
  nullable?: boolean;
  allOf?: Schema[];
  oneOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
}

interface Parameter {
  name: string;
  in: "path" | "query";
  required?: boolean;
  schema: Schema;
}

interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: { "application/json": { schema: Schema } } };
}

export interface Match {
  operationId: string;
  params: Record<string, string>;
}

export class OpenApi {
  private readonly paths: Record<string, Record<string, Operation>>;
  private readonly schemas: Record<string, Schema>;

  constructor(file: string) {
    const spec = YAML.parse(readFileSync(file, "utf8")) as {
      paths: Record<string, Record<string, Operation>>;
      components: { schemas: Record<string, Schema> };
    };
    this.paths = spec.paths;
    this.schemas = spec.components.schemas;
  }

  /** The operation a request maps to, or the reason the real server would refuse it. */
  check(
    method: string,
    url: URL,
    body: unknown,
  ): { ok: true; match: Match } | { ok: false; status: number; problem: string } {
    const template = Object.keys(this.paths).find(
      (candidate) => pathParams(candidate, url.pathname) !== undefined,
    );
    if (!template) return { ok: false, status: 404, problem: `no such endpoint: ${url.pathname}` };
    const operation = this.paths[template]?.[method.toLowerCase()];
    if (!operation)
      return { ok: false, status: 405, problem: `${method} is not allowed on ${template}` };
    const params = pathParams(template, url.pathname) ?? {};
    for (const parameter of operation.parameters ?? []) {
      const raw =
        parameter.in === "path" ? params[parameter.name] : url.searchParams.get(parameter.name);
      if (raw === null || raw === undefined || raw === "") {
        if (parameter.required)
          return {
            ok: false,
            status: 400,
            problem: `missing ${parameter.in} parameter ${parameter.name}`,
          };
        continue;
      }
      if (parameter.in === "query") params[parameter.name] = raw;
      const value = parameter.schema.type === "integer" ? Number(raw) : raw;
      const problem = this.validate(value, parameter.schema, parameter.name, false);
      if (problem) return { ok: false, status: 400, problem };
    }
    for (const name of url.searchParams.keys()) {
      if (
        !(operation.parameters ?? []).some(
          (parameter) => parameter.name === name && parameter.in === "query",
        )
      ) {
        return { ok: false, status: 400, problem: `unknown query parameter ${name}` };
      }
    }
    const bodySchema = operation.requestBody?.content["application/json"].schema;
    if (bodySchema) {
      if (body === undefined) return { ok: false, status: 400, problem: "a JSON body is required" };
      const problem = this.validate(body, bodySchema, "body", true);
      if (problem) return { ok: false, status: 400, problem };
    } else if (body !== undefined) {
      return { ok: false, status: 400, problem: `${operation.operationId} takes no body` };
    }
    return { ok: true, match: { operationId: operation.operationId, params } };
  }

  /** The first problem with `value` against `schema`, or undefined when it conforms. */
  validate(value: unknown, schema: Schema, where: string, closed: boolean): string | undefined {
    if (schema.$ref) return this.validate(value, this.resolve(schema.$ref), where, closed);
    if (value === null) return schema.nullable ? undefined : `${where}: null is not allowed`;
    if (schema.allOf) {
      for (const part of schema.allOf) {
        const problem = this.validate(value, part, where, closed);
        if (problem) return problem;
      }
    }
    if (schema.oneOf) {
      const matches = schema.oneOf.filter(
        (option) => this.validate(value, option, where, closed) === undefined,
      );
      if (matches.length !== 1)
        return `${where}: matches ${matches.length} of the oneOf alternatives`;
    }
    if (schema.enum && !schema.enum.includes(value))
      return `${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`;
    switch (schema.type) {
      case "string":
        return typeof value === "string" ? undefined : `${where}: expected a string`;
      case "boolean":
        return typeof value === "boolean" ? undefined : `${where}: expected a boolean`;
      case "number":
        return typeof value === "number" && Number.isFinite(value)
          ? undefined
          : `${where}: expected a number`;
      case "integer":
        if (typeof value !== "number" || !Number.isInteger(value))
          return `${where}: expected an integer`;
        return schema.format?.startsWith("uint") && value < 0
          ? `${where}: expected an unsigned integer`
          : undefined;
      case "array": {
        if (!Array.isArray(value)) return `${where}: expected an array`;
        for (const [i, item] of value.entries()) {
          const problem = schema.items
            ? this.validate(item, schema.items, `${where}[${i}]`, closed)
            : undefined;
          if (problem) return problem;
        }
        return undefined;
      }
      case "object": {
        if (typeof value !== "object" || Array.isArray(value))
          return `${where}: expected an object`;
        const properties = this.properties(schema);
        for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
          const property = properties[key];
          if (!property) {
            if (closed) return `${where}: unknown field ${key}`;
            continue;
          }
          const problem = this.validate(item, property, `${where}.${key}`, closed);
          if (problem) return problem;
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private properties(schema: Schema): Record<string, Schema> {
    const own = schema.properties ?? {};
    const inherited = (schema.allOf ?? []).map((part) =>
      this.properties(part.$ref ? this.resolve(part.$ref) : part),
    );
    return Object.assign({}, ...inherited, own);
  }

  private resolve(ref: string): Schema {
    const name = ref.replace("#/components/schemas/", "");
    const schema = this.schemas[name];
    if (!schema) throw new Error(`unresolved $ref ${ref}`);
    return schema;
  }
}

/** Values of {placeholders} when `path` fits `template`; undefined otherwise. */
function pathParams(template: string, path: string): Record<string, string> | undefined {
  const names: string[] = [];
  const pattern = new RegExp(
    `^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{(\w+)\}/g, (_, name: string) => {
      names.push(name);
      return "(.+)";
    })}$`,
  );
  const match = pattern.exec(path);
  if (!match) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? "")]));
}
