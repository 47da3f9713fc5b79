import { readFile } from "node:fs/promises";
import YAML from "yaml";
import type { z } from "zod";
import { closest } from "../util/closest.ts";
import { plainZodMessage } from "../util/zod-message.ts";
import { type ConfigLeaf, configLeaves } from "./leaves.ts";
import { type AgentConfig, configSchema } from "./schema.ts";
import { systemdStateDirectory } from "./systemd-directories.ts";

export const DEFAULT_CONFIG_PATH = "/etc/camera-agent/config.yaml";
const ENV_PREFIX = "CAMERA_AGENT_";
/** Name used by MediaMTX Camera Service deployments; ours takes precedence when both are set. */
const COMPAT_SECRET_ENV = "CAMERA_SERVICE_JWT_SECRET";

/** Every problem found, each naming the key and where its value came from. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

export type Environment = Record<string, string | undefined>;

export interface LoadOptions {
  /** Config file; when absent nothing is read and defaults plus environment apply. */
  file?: string;
  env?: Environment;
}

export async function loadConfig(options: LoadOptions = {}): Promise<AgentConfig> {
  const env = options.env ?? process.env;
  if (options.file === undefined) return resolveConfig({}, undefined, env);
  return configFromText(await readConfigFile(options.file), options.file, env);
}

/** A config file's text checked as `run` and `check-config` check it; `where` names it. */
export function configFromText(text: string, where: string, env: Environment): AgentConfig {
  const { document, syntax } = parseConfigText(text, where);
  if (syntax.length === 0) return resolveConfig(document, where, env);
  // A syntax error must not hide the file's other problems: check what could be read.
  let others: string[] = [];
  try {
    resolveConfig(document ?? {}, where, env);
  } catch (error) {
    if (error instanceof ConfigError) others = error.problems;
  }
  throw new ConfigError([...syntax, ...others]);
}

/** Validates an already-parsed document (file contents or a test's object) with env overrides. */
export function resolveConfig(
  raw: unknown,
  file: string | undefined,
  env: Environment,
): AgentConfig {
  const where = file ?? "built-in defaults";
  if (!isPlainObject(raw)) {
    throw new ConfigError([
      `${where}: the top level must be a mapping of sections (server, health, security, …)`,
    ]);
  }
  // A section whose keys are all commented out reads as null: treat it as empty.
  const document = Object.fromEntries(
    Object.entries(structuredClone(raw)).filter(([, value]) => value !== null),
  );
  // systemd's StateDirectory= as the default location: only where the file says nothing.
  const stateDirectory = systemdStateDirectory(env);
  if (stateDirectory !== undefined) {
    for (const path of [
      ["state", "dir"],
      ["storage", "root"],
    ]) {
      if (lookup(document, path) === undefined) setIn(document, path, stateDirectory);
    }
  }
  const fromEnv = applyEnvironment(document, env);
  // Parsed once per start: zod's compiled fast path would cost more to build (~7 ms of the
  // start, issue 18) than it could save on this one parse.
  const result = configSchema.safeParse(document, { jitless: true });
  if (result.success && fromEnv.problems.length === 0) return result.data;
  throw new ConfigError([
    ...fromEnv.problems,
    ...(result.error?.issues ?? []).flatMap((issue) =>
      describeIssue(issue, where, fromEnv.sources),
    ),
  ]);
}

async function readConfigFile(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new ConfigError([`${file}: config file not found`]);
    if (code === "EACCES")
      throw new ConfigError([`${file}: permission denied reading config file`]);
    throw new ConfigError([`${file}: cannot read config file (${code ?? String(error)})`]);
  }
}

/** The text's document (as much as could be read) and its YAML syntax errors, if any. */
function parseConfigText(text: string, file: string): { document: unknown; syntax: string[] } {
  const parsed = YAML.parseDocument(text, { uniqueKeys: true });
  const syntax = parsed.errors.map((error) => {
    const position = error.linePos?.[0];
    const at = position ? `line ${position.line}, column ${position.col}: ` : "";
    const message = (error.message.split("\n")[0] ?? "").replace(/ at line \d+, column \d+:?$/, "");
    return `${file}: ${at}invalid YAML: ${message}`;
  });
  let document: unknown;
  try {
    document = parsed.toJS() ?? {};
  } catch {
    document = undefined;
  }
  return { document, syntax };
}

interface EnvResult {
  /** Dotted key → environment variable that set it. */
  sources: Map<string, string>;
  problems: string[];
}

const LEAVES: ConfigLeaf[] = configLeaves(configSchema);

function applyEnvironment(document: Record<string, unknown>, env: Environment): EnvResult {
  const sources = new Map<string, string>();
  const leaves = new Map(
    LEAVES.map((leaf) => [`${ENV_PREFIX}${leaf.path.join("_").toUpperCase()}`, leaf]),
  );
  const problems: string[] = [];
  const compatSecret = env[COMPAT_SECRET_ENV];
  const names = Object.keys(env).filter((name) => name.startsWith(ENV_PREFIX));
  if (compatSecret !== undefined && !names.includes(`${ENV_PREFIX}SECURITY_JWT_SECRET`)) {
    setIn(document, ["security", "jwt_secret"], compatSecret);
    sources.set("security.jwt_secret", COMPAT_SECRET_ENV);
  }
  for (const name of names.sort()) {
    const leaf = leaves.get(name);
    const value = env[name];
    if (value === undefined) continue;
    if (!leaf) {
      const guess = closest(name, leaves.keys());
      problems.push(
        `environment ${name}: unknown setting (no config key matches this name)${guess ? `; did you mean ${guess}?` : ""}`,
      );
      continue;
    }
    const converted = leaf.takesString ? value : parseScalar(value);
    if (!setIn(document, leaf.path, converted)) {
      problems.push(
        `environment ${name} (${leaf.path.join(".")}): cannot apply, section "${leaf.path[0]}" in the file is not a mapping`,
      );
      continue;
    }
    sources.set(leaf.path.join("."), name);
  }
  return { sources, problems };
}

function parseScalar(value: string): unknown {
  try {
    return YAML.parse(value);
  } catch {
    return value;
  }
}

function lookup(target: Record<string, unknown>, path: string[]): unknown {
  let node: unknown = target;
  for (const key of path) node = isPlainObject(node) ? node[key] : undefined;
  return node;
}

function setIn(target: Record<string, unknown>, path: string[], value: unknown): boolean {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key] ?? {};
    if (!isPlainObject(next)) return false;
    node[key] = next;
    node = next;
  }
  const last = path.at(-1);
  if (last === undefined) return false;
  node[last] = value;
  return true;
}

function describeIssue(
  issue: z.core.$ZodIssue,
  where: string,
  envSources: Map<string, string>,
): string[] {
  const base = issue.path.map(String);
  if (issue.code === "unrecognized_keys") {
    const known = new Set(
      LEAVES.filter((leaf) => base.every((part, i) => leaf.path[i] === part)).map(
        (leaf) => leaf.path[base.length] ?? "",
      ),
    );
    return issue.keys.map((key) => {
      const guess = closest(key, known);
      return `${where}: ${[...base, key].join(".")}: unknown key${guess ? ` (did you mean "${guess}"?)` : ""}`;
    });
  }
  const key = base.join(".") || "(top level)";
  const message = plainZodMessage(issue.message);
  const envName = envSources.get(key);
  return [envName ? `environment ${envName} (${key}): ${message}` : `${where}: ${key}: ${message}`];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
