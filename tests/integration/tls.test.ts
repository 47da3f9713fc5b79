import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createSelfSignedCertificate } from "../../agent/src/cli/tls-certificate.ts";
import { ConfigError, resolveConfig } from "../../agent/src/config/load.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent } from "../support/test-agent.ts";

const dir = mkdtempSync(join(tmpdir(), "camera-agent-tls-"));
const cert = join(dir, "tls", "cert.pem");
const key = join(dir, "tls", "key.pem");

beforeAll(async () => {
  await createSelfSignedCertificate(cert, key);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("TLS on the API port", () => {
  test("the self-signed certificate: key 0640, certificate 0644", () => {
    expect(statSync(key).mode & 0o777).toBe(0o640);
    expect(statSync(cert).mode & 0o777).toBe(0o644);
  });

  test("wss:// and https:// when server.tls_cert and tls_key are set", async () => {
    const agent = await startTestAgent({ server: { tls_cert: cert, tls_key: key } });
    try {
      const base = `https://127.0.0.1:${agent.agent.port}`;
      const health = await fetch(`${base}/health`, { tls: { rejectUnauthorized: false } });
      expect(health.status).toBe(200);
      await expect(fetch(`${base}/health`)).rejects.toThrow();
      const client = await RpcClient.connect(`wss://127.0.0.1:${agent.agent.port}/ws`, {
        insecureTls: true,
      });
      expect(await client.result("ping")).toBe("pong");
      await client.close();
      // The dashboard over https: its session cookie is Secure, its socket wss:// with it.
      const login = await fetch(`${base}/login`, {
        method: "POST",
        body: new URLSearchParams({ credential: agent.token("viewer") }),
        redirect: "manual",
        tls: { rejectUnauthorized: false },
      });
      expect(login.status).toBe(303);
      const cookie = login.headers.get("set-cookie") ?? "";
      expect(cookie).toContain("; Secure");
      const session = cookie.split(";")[0] ?? "";
      const page = await (
        await fetch(`${base}/`, {
          headers: { cookie: session },
          tls: { rejectUnauthorized: false },
        })
      ).text();
      const csrf = /data-csrf="([^"]+)"/.exec(page)?.[1] ?? "";
      const browser = await RpcClient.connect(
        `wss://127.0.0.1:${agent.agent.port}/ws?csrf=${csrf}`,
        {
          insecureTls: true,
          headers: { cookie: session },
        },
      );
      expect((await browser.call("get_camera_list", {})).result).toBeDefined();
      await browser.close();
    } finally {
      await agent.stop();
    }
  });

  test("one of the pair alone is a config error; an unreadable file names its key", async () => {
    expect(() =>
      resolveConfig({ server: { tls_cert: cert } }, "/etc/camera-agent/config.yaml", {}),
    ).toThrow(ConfigError);
    try {
      resolveConfig({ server: { tls_cert: cert } }, "/etc/camera-agent/config.yaml", {});
    } catch (error) {
      expect((error as ConfigError).problems).toEqual([
        "/etc/camera-agent/config.yaml: server: tls_cert and tls_key must be set together (or neither, for plain ws://)",
      ]);
    }
    await expect(
      startTestAgent({ server: { tls_cert: join(dir, "missing.pem"), tls_key: key } }),
    ).rejects.toThrow(`cannot read ${join(dir, "missing.pem")} (server.tls_cert): ENOENT`);
  });
});
