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
  return [{ path: prefix, takesString: inner instanceof z.ZodString }];
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
