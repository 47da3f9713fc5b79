import { z } from "zod";

export interface ConfigLeaf {
  path: string[];
  /** String leaves take an environment value verbatim; others parse it as a YAML scalar. */
  takesString: boolean;
}

/** Every settable key of an object schema, found by walking through defaults, optionals and pipes. */
export function configLeaves(schema: z.ZodType, prefix: string[] = []): ConfigLeaf[] {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodObject) {
    return Object.entries(inner.shape as Record<string, z.ZodType>).flatMap(([key, child]) =>
      configLeaves(child, [...prefix, key]),
    );
  }
  return [{ path: prefix, takesString: onlyStrings(inner) }];
}

/** Whether every value the schema accepts is a string: then "" or "123" are meant literally. */
function onlyStrings(schema: z.ZodType): boolean {
  const inner = unwrap(schema);
  if (inner instanceof z.ZodString || inner instanceof z.ZodEnum) return true;
  if (inner instanceof z.ZodLiteral) {
    return [...inner.values].every((value) => typeof value === "string");
  }
  if (inner instanceof z.ZodUnion) {
    return (inner.options as z.ZodType[]).every(onlyStrings);
  }
  return false;
}

function unwrap(schema: z.ZodType): z.ZodType {
  let current = schema;
  for (;;) {
    if (
      current instanceof z.ZodDefault ||
      current instanceof z.ZodPrefault ||
      current instanceof z.ZodOptional ||
      current instanceof z.ZodNullable
    ) {
      current = current.unwrap() as z.ZodType;
    } else if (current instanceof z.ZodPipe) {
      current = current.in as z.ZodType;
    } else {
      return current;
    }
  }
}
