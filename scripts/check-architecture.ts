// The agent's architecture rules (docs/development.md, "Architecture"), checked on every test
// run: no import cycles (type-only imports count: they are how a cycle starts), no import from
// a lower layer to a higher one, and thin RPC methods (a methods file has at most
// MAX_LINES_PER_METHOD lines per method it defines: product logic belongs in the domain).
// Exits non-zero listing every problem.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";

const SRC = resolve(import.meta.dir, "../agent/src");
const METHODS = "rpc/methods/";
const MAX_LINES_PER_METHOD = 45;

/**
 * Layers, lowest first. A module may import its own layer or a lower one. The first pattern
 * that matches a path (relative to agent/src) gives its layer.
 */
export const LAYERS: ReadonlyArray<{ name: string; paths: RegExp }> = [
  {
    name: "foundation",
    paths: /^(util|log|config|state|systemd)\/|^(build-info|domain-error|camera-ids)\.ts$/,
  },
  { name: "cross-cutting", paths: /^(auth|status|metrics|notifications)\// },
  { name: "registry", paths: /^cameras\/[^/]+\.ts$/ },
  { name: "sources", paths: /^cameras\/[^/]+\/.+\.ts$/ },
  { name: "domain", paths: /^media\// },
  { name: "reconcile loop", paths: /^mediamtx\// },
  // Backup and restore handle every part's files (config, keys, database, MediaMTX credentials);
  // system updates (RAUC) sit beside them.
  { name: "operations", paths: /^(backup|update)\// },
  { name: "edges", paths: /^(rpc|http|ui)\/|^services\.ts$/ },
  { name: "composition", paths: /^agent\.ts$/ },
  { name: "entry", paths: /^(cli\/|main\.ts$)/ },
];

export function layerOf(path: string): number {
  const index = LAYERS.findIndex((layer) => layer.paths.test(path));
  if (index < 0) throw new Error(`${path}: in no layer (add its folder to LAYERS)`);
  return index;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return name.endsWith(".ts") || name.endsWith(".tsx") ? [path] : [];
  });
}

const IMPORT =
  /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** agent/src-relative paths a file imports (relative specifiers only: packages are not layers). */
export function importsOf(file: string, text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(IMPORT)) {
    const specifier = match[1] ?? match[2] ?? "";
    if (!specifier.startsWith(".")) continue;
    const path = relative(SRC, resolve(dirname(file), specifier));
    // Outside agent/src (package.json for the version) is data, not a layer.
    if (!path.startsWith("..")) found.push(path);
  }
  return found;
}

/** Cycles as lists of files (Tarjan's strongly connected components of more than one file). */
export function cycles(graph: Map<string, string[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string) => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(next) ?? 0));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(next) ?? 0));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    for (;;) {
      const member = stack.pop() as string;
      onStack.delete(member);
      component.push(member);
      if (member === node) break;
    }
    if (component.length > 1 || (graph.get(node) ?? []).includes(node))
      found.push(component.sort());
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

function main(): number {
  const graph = new Map<string, string[]>();
  const problems: string[] = [];
  for (const file of sources(SRC)) {
    const path = relative(SRC, file);
    const imports = importsOf(file, readFileSync(file, "utf8"));
    graph.set(path, imports);
    for (const target of imports) {
      const from = layerOf(path);
      const to = layerOf(target);
      if (to > from) {
        problems.push(
          `${path} (${LAYERS[from]?.name}) imports ${target} (${LAYERS[to]?.name}): against the layer rule`,
        );
      }
    }
  }
  for (const cycle of cycles(graph)) problems.push(`import cycle: ${cycle.join(" → ")}`);
  for (const path of graph.keys()) {
    if (!path.startsWith(METHODS)) continue;
    const text = readFileSync(join(SRC, path), "utf8");
    const defined = text.match(/\bdefineMethod\(/g)?.length ?? 0;
    const lines = text.split("\n").length - 1;
    if (defined > 0 && lines > MAX_LINES_PER_METHOD * defined) {
      problems.push(
        `${path}: ${lines} lines for ${defined} method${defined === 1 ? "" : "s"} (at most ${MAX_LINES_PER_METHOD} each): move the logic into a domain service`,
      );
    }
  }
  for (const problem of problems) console.error(problem);
  console.log(
    `check-architecture: ${graph.size} files, ${problems.length} problem${problems.length === 1 ? "" : "s"}`,
  );
  return problems.length === 0 ? 0 : 1;
}

if (import.meta.main) process.exit(main());
