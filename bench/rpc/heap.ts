// The JavaScript heap each part of the agent adds when loaded, in the order the agent loads
// them: the dependencies, then our config schemas, then the rest of the agent (agent.ts and
// what it imports). Run in a fresh `bun` (not the compiled binary, whose heap cannot be read
// from outside): the objects are the same, the bytecode cache aside. A full GC before each
// reading, so only what stays reachable counts. Printed as one JSON line for bench/rpc/run.ts.
import { heapStats } from "bun:jsc";

const PARTS: [string, string][] = [
  ["zod", "zod"],
  ["hono", "hono"],
  ["execa", "execa"],
  ["pino", "pino"],
  ["yaml", "yaml"],
  ["our config schemas (zod)", "../../agent/src/config/schema.ts"],
  ["the rest of the agent", "../../agent/src/agent.ts"],
  ["onvif (loaded at the first ONVIF camera only)", "onvif"],
];

function reading(): { bytes: number; objects: number } {
  Bun.gc(true);
  const stats = heapStats();
  return { bytes: stats.heapSize + stats.extraMemorySize, objects: stats.objectCount };
}

const rows: { part: string; bytes: number; objects: number }[] = [];
const empty = reading();
let before = empty;
for (const [part, specifier] of PARTS) {
  await import(specifier);
  const after = reading();
  rows.push({
    part,
    bytes: after.bytes - before.bytes,
    objects: after.objects - before.objects,
  });
  before = after;
}
console.log(JSON.stringify({ empty, rows }));
