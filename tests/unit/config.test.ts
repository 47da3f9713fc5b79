import { describe, expect, test } from "bun:test";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configLeaves } from "../../agent/src/config/leaves.ts";
import { ConfigError, loadConfig, resolveConfig } from "../../agent/src/config/load.ts";
import { configSchema } from "../../agent/src/config/schema.ts";

const dir = mkdtempSync(join(tmpdir(), "camera-agent-config-"));
const shipped = join(import.meta.dir, "../../config/camera-agent.yaml");

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function problems(
  path: string | undefined,
  env: Record<string, string> = {},
): Promise<string[]> {
  try {
    await loadConfig({ file: path, env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("config file errors, as the user sees them", () => {
  test("missing file", async () => {
    const path = join(dir, "absent.yaml");
    expect(await problems(path)).toEqual([`${path}: config file not found`]);
  });

  test("bad YAML names line and column", async () => {
    const path = file("bad.yaml", "server:\n  port: [8002\nlog:\n  level: info\n");
    const [problem] = await problems(path);
    expect(problem).toMatch(new RegExp(`^${path}: line \\d+, column \\d+: invalid YAML: `));
  });

  test("duplicate keys are YAML errors", async () => {
    const path = file("dup.yaml", "server:\n  port: 1\n  port: 2\n");
    expect((await problems(path))[0]).toContain("Map keys must be unique");
  });

  test("unknown keys are errors, with a suggestion", async () => {
    const path = file("unknown.yaml", "server:\n  prot: 8002\nlgo:\n  level: info\n");
    expect(await problems(path)).toEqual([
      `${path}: server.prot: unknown key (did you mean "port"?)`,
      `${path}: lgo: unknown key (did you mean "log"?)`,
    ]);
  });

  test("wrong types name the key", async () => {
    const path = file(
      "types.yaml",
      'server:\n  port: "eighty"\n  idle_timeout: 5 minutes\nlog:\n  level: loud\n',
    );
    expect(await problems(path)).toEqual([
      `${path}: server.port: expected number, received string`,
      `${path}: server.idle_timeout: expected a duration such as "500ms", "5s", "15m", "1h" or "30d"`,
      `${path}: log.level: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent"`,
    ]);
  });

  test("messages say what is accepted: durations need a unit, counts are whole, bounds in words", async () => {
    const path = file(
      "words.yaml",
      "server:\n  port: 70000\n  idle_timeout: 120\nlimits:\n  max_connections: 1.5\n  max_batch: 0\n",
    );
    expect(await problems(path)).toEqual([
      `${path}: server.port: must be at most 65535`,
      `${path}: server.idle_timeout: expected a duration with a unit, such as "120s" or "120ms" (ms, s, m, h or d), not the bare number 120`,
      `${path}: limits.max_connections: expected a whole number`,
      `${path}: limits.max_batch: must be more than 0`,
    ]);
  });

  test("a YAML syntax error does not hide the file's other problems", async () => {
    const path = file(
      "both.yaml",
      "server:\n  idle_timeout: 120\n  host: [a\nlog:\n  level: loud\n",
    );
    const found = await problems(path);
    expect(found[0]).toMatch(new RegExp(`^${path}: line \\d+, column \\d+: invalid YAML: `));
    expect(found).toContain(
      `${path}: server.idle_timeout: expected a duration with a unit, such as "120s" or "120ms" (ms, s, m, h or d), not the bare number 120`,
    );
    expect(found.some((problem) => problem.startsWith(`${path}: log.level:`))).toBe(true);
  });

  test("every problem is listed, not just the first", async () => {
    const path = file(
      "many.yaml",
      "server:\n  port: -1\nlimits:\n  max_batch: 0\n  max_connections: 1.5\n",
    );
    expect(await problems(path)).toHaveLength(3);
  });

  test("a top level that is not a mapping", async () => {
    const path = file("list.yaml", "- a\n- b\n");
    expect((await problems(path))[0]).toContain("the top level must be a mapping");
  });

  test("short JWT secrets are refused", async () => {
    const path = file("secret.yaml", "security:\n  jwt_secret: short\n");
    expect(await problems(path)).toEqual([
      `${path}: security.jwt_secret: must be at least 32 characters (use a random value)`,
    ]);
  });
});

describe("environment overrides", () => {
  test("CAMERA_AGENT_<SECTION>_<KEY> overrides the file, typed by the key", async () => {
    const path = file("env.yaml", "server:\n  port: 8002\n");
    const config = await loadConfig({
      file: path,
      env: {
        CAMERA_AGENT_SERVER_PORT: "9002",
        CAMERA_AGENT_HEALTH_PORT: "0",
        CAMERA_AGENT_STORAGE_ROOT: "/mnt/media",
        CAMERA_AGENT_SERVER_ALLOWED_ORIGINS: "[https://a.example, https://b.example]",
        CAMERA_AGENT_SERVER_IDLE_TIMEOUT: "2m",
        CAMERA_AGENT_SERVER_PUBLIC_HOST: "123",
      },
    });
    expect(config.server.port).toBe(9002);
    expect(config.health.port).toBe(0);
    expect(config.storage.root).toBe("/mnt/media");
    expect(config.server.allowed_origins).toEqual(["https://a.example", "https://b.example"]);
    expect(config.server.idle_timeout).toBe(120_000);
    expect(config.server.public_host).toBe("123");
  });

  test("a key that takes only strings takes the variable verbatim: empty turns mediamtx.binary's check off", async () => {
    const config = await loadConfig({
      env: { CAMERA_AGENT_MEDIAMTX_BINARY: "", CAMERA_AGENT_SERVER_PUBLIC_HOST: "" },
    });
    expect(config.mediamtx.binary).toBe("");
    expect(config.server.public_host).toBe("");
    expect(await problems(undefined, { CAMERA_AGENT_MEDIAMTX_BINARY: "bin/mediamtx" })).toEqual([
      expect.stringContaining("environment CAMERA_AGENT_MEDIAMTX_BINARY (mediamtx.binary)"),
    ]);
  });

  test("systemd's STATE_DIRECTORY is the default for state.dir and storage.root; the file and CAMERA_AGENT_* win", async () => {
    const systemd = { STATE_DIRECTORY: "/var/lib/unit-state:/var/lib/other" };
    const defaults = await loadConfig({ env: systemd });
    expect([defaults.state.dir, defaults.storage.root]).toEqual([
      "/var/lib/unit-state",
      "/var/lib/unit-state",
    ]);
    const path = file("state.yaml", "state:\n  dir: /srv/state\n");
    const fromFile = await loadConfig({ file: path, env: systemd });
    expect([fromFile.state.dir, fromFile.storage.root]).toEqual([
      "/srv/state",
      "/var/lib/unit-state",
    ]);
    const fromEnv = await loadConfig({
      file: path,
      env: { ...systemd, CAMERA_AGENT_STATE_DIR: "/mnt/state" },
    });
    expect(fromEnv.state.dir).toBe("/mnt/state");
    expect((await loadConfig({ env: { STATE_DIRECTORY: "relative" } })).state.dir).toBe(
      "/var/lib/camera-agent",
    );
  });

  test("a bad environment value names the variable and the key", async () => {
    expect(await problems(undefined, { CAMERA_AGENT_SERVER_PORT: "abc" })).toEqual([
      "environment CAMERA_AGENT_SERVER_PORT (server.port): expected number, received string",
    ]);
  });

  test("an unknown CAMERA_AGENT_ variable is an error with a suggestion", async () => {
    expect(await problems(undefined, { CAMERA_AGENT_SERVR_PORT: "1" })).toEqual([
      "environment CAMERA_AGENT_SERVR_PORT: unknown setting (no config key matches this name); did you mean CAMERA_AGENT_SERVER_PORT?",
    ]);
  });

  test("CAMERA_SERVICE_JWT_SECRET sets the JWT secret; ours wins when both are set", async () => {
    const legacy = "legacy-secret-legacy-secret-legacy-secret";
    const ours = "ours-secret-ours-secret-ours-secret-ours";
    expect(
      (await loadConfig({ env: { CAMERA_SERVICE_JWT_SECRET: legacy } })).security.jwt_secret,
    ).toBe(legacy);
    const both = await loadConfig({
      env: { CAMERA_SERVICE_JWT_SECRET: legacy, CAMERA_AGENT_SECURITY_JWT_SECRET: ours },
    });
    expect(both.security.jwt_secret).toBe(ours);
  });
});

describe("defaults", () => {
  test("derived defaults follow the keys they depend on", () => {
    const config = resolveConfig(
      { server: { host: "127.0.0.1" }, state: { dir: "/srv/state" } },
      undefined,
      {},
    );
    expect(config.health.host).toBe("127.0.0.1");
    expect(config.security.api_keys_file).toBe("/srv/state/api-keys.json");
    expect(config.server.shutdown_timeout).toBe(5000);
  });

  test("the shipped config/camera-agent.yaml is valid and equals the built-in defaults", async () => {
    expect(await loadConfig({ file: shipped, env: {} })).toEqual(resolveConfig({}, undefined, {}));
  });

  test("every config key is documented in config/camera-agent.yaml", () => {
    const text = readFileSync(shipped, "utf8");
    for (const leaf of configLeaves(configSchema)) {
      const [section] = leaf.path;
      if (leaf.path.length === 1) {
        // A top-level map (cameras): the section itself is the documented key.
        expect(text).toMatch(new RegExp(`^${section}:`, "m"));
        continue;
      }
      const key = leaf.path.at(-1);
      const sectionAt = text.search(new RegExp(`^${section}:`, "m"));
      expect(sectionAt).toBeGreaterThanOrEqual(0);
      const bodyAt = sectionAt + `${section}:`.length;
      const nextSection = text.slice(bodyAt).search(/^\w/m);
      const body = text.slice(bodyAt, nextSection < 0 ? undefined : bodyAt + nextSection);
      expect({
        key: leaf.path.join("."),
        documented: new RegExp(`^\\s*#?\\s*${key}:`, "m").test(body),
      }).toEqual({
        key: leaf.path.join("."),
        documented: true,
      });
    }
  });
});
