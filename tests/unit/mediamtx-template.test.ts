import { describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import YAML from "yaml";
import {
  mediamtxPasswordHash,
  renderMediamtxConfig,
} from "../../agent/src/mediamtx/credentials.ts";

const ours = readFileSync(join(import.meta.dir, "../../config/mediamtx.yml"), "utf8");
// MediaMTX's own default configuration of the release we target, vendored with its licence.
const reference = YAML.parse(
  readFileSync(join(import.meta.dir, "../fixtures/mediamtx/mediamtx.yml"), "utf8"),
) as Record<string, unknown>;
const credentials = { user: "agentabcd1234", password: "x".repeat(32) };
const values = {
  MEDIAMTX_API_USER: credentials.user,
  MEDIAMTX_API_PASSWORD_SHA256: mediamtxPasswordHash(credentials.password),
  AGENT_AUTH_URL: "http://127.0.0.1:8002/internal/mediamtx/auth",
  AGENT_AUTH_FINGERPRINT: "",
};

describe("config/mediamtx.yml template", () => {
  const rendered = YAML.parse(renderMediamtxConfig(ours, values)) as Record<string, unknown>;

  test("uses only keys MediaMTX v1.20 knows, top level and in pathDefaults", () => {
    for (const key of Object.keys(rendered))
      expect({ key, known: key in reference }).toEqual({ key, known: true });
    const defaults = reference.pathDefaults as Record<string, unknown>;
    for (const key of Object.keys(rendered.pathDefaults as object)) {
      expect({ key, known: key in defaults }).toEqual({ key, known: true });
    }
  });

  test("every request is decided by the agent's hook", () => {
    expect(rendered.authMethod).toBe("http");
    expect(rendered.authHTTPAddress).toBe("http://127.0.0.1:8002/internal/mediamtx/auth");
    expect(rendered.authHTTPExclude).toEqual([]);
  });

  test("API and metrics on loopback only, one user, localhost only, known actions", () => {
    expect(rendered.apiAddress).toBe("127.0.0.1:9997");
    expect(rendered.metricsAddress).toBe("127.0.0.1:9998");
    const users = rendered.authInternalUsers as Array<{
      user: string;
      pass: string;
      ips: string[];
      permissions: Array<{ action: string }>;
    }>;
    expect(users).toHaveLength(1);
    expect(users[0]?.user).toBe(credentials.user);
    // MediaMTX's hashed form (internal/conf/credential.go: "sha256:" + base64 of the digest).
    expect(users[0]?.pass).toBe(
      `sha256:${createHash("sha256").update(credentials.password).digest("base64")}`,
    );
    expect(renderMediamtxConfig(ours, values)).not.toContain(credentials.password);
    expect(users[0]?.ips).toEqual(["127.0.0.1", "::1"]);
    for (const { action } of users[0]?.permissions ?? []) {
      expect(["publish", "read", "playback", "api", "metrics", "pprof"]).toContain(action);
    }
  });

  test("every placeholder is filled; an unknown one is an error", () => {
    expect(renderMediamtxConfig(ours, values)).not.toContain("@@");
    expect(() => renderMediamtxConfig("x: @@NOPE@@", values)).toThrow(
      "unknown placeholder @@NOPE@@",
    );
  });
});
