import { describe, expect, test } from "bun:test";
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveJwtSecret } from "../../agent/src/auth/jwt-secret.ts";
import { resolveConfig } from "../../agent/src/config/load.ts";

const configIn = (dir: string, extra: Record<string, unknown> = {}) =>
  resolveConfig({ state: { dir }, security: extra }, undefined, {});

describe("JWT secret", () => {
  test("generated once (0600), then reused; a configured secret wins", async () => {
    const dir = mkdtempSync(join(tmpdir(), "camera-agent-secret-"));
    const first = await resolveJwtSecret(configIn(dir));
    expect(first.generated).toBe(true);
    expect(first.value).toMatch(/^[0-9a-f]{64}$/);
    expect(first.source).toBe(join(dir, "jwt-secret"));
    expect(statSync(join(dir, "jwt-secret")).mode & 0o777).toBe(0o600);
    const again = await resolveJwtSecret(configIn(dir));
    expect(again).toEqual({ ...first, generated: false });
    const configured = "configured-secret-configured-secret-0001";
    expect((await resolveJwtSecret(configIn(dir, { jwt_secret: configured }))).value).toBe(
      configured,
    );
  });

  test("a damaged secret file is an error, not a silent new secret", async () => {
    const dir = mkdtempSync(join(tmpdir(), "camera-agent-secret-"));
    writeFileSync(join(dir, "jwt-secret"), "short\n");
    await expect(resolveJwtSecret(configIn(dir))).rejects.toThrow("shorter than 32 characters");
  });
});
