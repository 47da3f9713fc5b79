import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ApiKeyStore } from "../../agent/src/auth/api-keys.ts";
import { signJwt } from "../../agent/src/auth/jwt.ts";
import { agentOnCamera } from "../support/agent-on-camera.ts";
import { eventually } from "../support/eventually.ts";
import { oneCameraWorld } from "../support/fake-v4l.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { startTestAgent, TEST_SECRET, type TestAgent } from "../support/test-agent.ts";

let agent: TestAgent;
let keys: ApiKeyStore;

beforeAll(async () => {
  // These tests fail many logins on purpose; the per-address limit has its own test.
  agent = await startTestAgent({ limits: { failed_logins_per_minute: 10_000 } });
  keys = new ApiKeyStore(agent.config.security.api_keys_file);
});
afterAll(async () => {
  await agent.stop();
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const now = () => Math.floor(Date.now() / 1000);

async function connected(credential?: string): Promise<RpcClient> {
  const client = await RpcClient.connect(agent.wsUrl);
  if (credential !== undefined)
    expect((await client.authenticate(credential)).result).toBeDefined();
  return client;
}

async function expectAuthError(credential: unknown, reason: string): Promise<void> {
  const client = await connected();
  const reply = await client.call("authenticate", { auth_token: credential });
  expect(reply.error).toEqual({
    code: -32001,
    message: "Authentication failed or token expired",
    data: expect.objectContaining({ reason }),
  });
  expect((await client.call("get_server_info")).error?.code).toBe(-32001);
  await client.close();
}

describe("authentication", () => {
  test("before authentication only ping and authenticate work", async () => {
    const client = await connected();
    expect(await client.result("ping")).toBe("pong");
    for (const method of ["get_server_info", "get_status", "get_system_status", "get_metrics"]) {
      const reply = await client.call(method);
      expect(reply.error?.code).toBe(-32001);
      expect(reply.error?.data?.reason).toBe("auth_required");
    }
    await client.close();
  });

  test("each role gets the contract's result and permissions", async () => {
    const expected = {
      viewer: ["view"],
      operator: ["view", "control"],
      admin: ["view", "control", "admin"],
    } as const;
    for (const role of ["viewer", "operator", "admin"] as const) {
      const client = await connected();
      const reply = await client.authenticate(agent.token(role));
      expect(reply.result).toEqual({
        authenticated: true,
        role,
        permissions: [...expected[role]],
        expires_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
        session_id: expect.any(String),
      });
      await client.close();
    }
  });

  test("roles: viewer < operator < admin", async () => {
    for (const [role, allowed] of [
      ["viewer", false],
      ["operator", false],
      ["admin", true],
    ] as const) {
      const client = await connected(agent.token(role));
      expect((await client.call("get_server_info")).result).toBeDefined();
      expect((await client.call("get_system_status")).result).toBeDefined();
      const status = await client.call("get_status");
      if (allowed) {
        expect(status.result).toBeDefined();
      } else {
        expect(status.error).toEqual({
          code: -32002,
          message: "Permission denied",
          data: expect.objectContaining({
            reason: "permission_denied",
            required_role: "admin",
            have_role: role,
          }),
        });
      }
      await client.close();
    }
  });

  test("a token signed with another secret is refused", async () => {
    const iat = now();
    const token = signJwt(
      { user_id: "u", role: "admin", iat, exp: iat + 60 },
      `${TEST_SECRET}-other`,
    );
    await expectAuthError(token, "auth_failed");
  });

  test('alg "none" is refused, signed or not', async () => {
    const payload = b64({ user_id: "u", role: "admin", iat: now(), exp: now() + 60 });
    await expectAuthError(`${b64({ alg: "none", typ: "JWT" })}.${payload}.`, "auth_failed");
    const signed = signJwt(
      { user_id: "u", role: "admin", iat: now(), exp: now() + 60 },
      TEST_SECRET,
    );
    const signature = signed.split(".")[2];
    await expectAuthError(`${b64({ alg: "none" })}.${payload}.${signature}`, "auth_failed");
    await expectAuthError(`${b64({ alg: "HS512" })}.${payload}.${signature}`, "auth_failed");
  });

  test("an expired token is refused with token_expired", async () => {
    await expectAuthError(agent.token("admin", { ttlSeconds: -10 }), "token_expired");
  });

  test("missing claims, unknown roles, garbage and empty credentials are refused", async () => {
    const iat = now();
    const noRole = signJwt({ user_id: "u", iat, exp: iat + 60 } as never, TEST_SECRET);
    const badRole = signJwt(
      { user_id: "u", role: "root", iat, exp: iat + 60 } as never,
      TEST_SECRET,
    );
    const noUser = signJwt({ role: "admin", iat, exp: iat + 60 } as never, TEST_SECRET);
    for (const credential of [
      noRole,
      badRole,
      noUser,
      "invalid_token",
      "",
      "' OR 1=1 --",
      "<script>",
      42,
      null,
    ]) {
      await expectAuthError(credential, "auth_failed");
    }
    const client = await connected();
    expect((await client.call("authenticate", {})).error?.code).toBe(-32001);
    await client.close();
  });

  test("a token with sub instead of user_id is accepted (D8)", async () => {
    const iat = now();
    const token = signJwt(
      { sub: "alice", role: "viewer", iat, exp: iat + 60 } as never,
      TEST_SECRET,
    );
    const client = await connected(token);
    expect((await client.call("get_server_info")).result).toBeDefined();
    await client.close();
  });

  test("re-authentication on one socket replaces the role", async () => {
    const client = await connected(agent.token("admin"));
    expect((await client.call("get_status")).result).toBeDefined();
    await client.authenticate(agent.token("viewer"));
    expect((await client.call("get_status")).error?.code).toBe(-32002);
    await client.authenticate(agent.token("admin"));
    expect((await client.call("get_status")).result).toBeDefined();
    await client.close();
  });

  test("a failed re-authentication keeps the previous session", async () => {
    const client = await connected(agent.token("admin"));
    expect((await client.call("authenticate", { auth_token: "invalid_token" })).error?.code).toBe(
      -32001,
    );
    expect((await client.call("get_status")).result).toBeDefined();
    await client.close();
  });

  test("expiry is re-checked on every call, not only at authenticate (D8)", async () => {
    const iat = now();
    const client = await connected(
      signJwt({ user_id: "u", role: "admin", iat, exp: iat + 1 }, TEST_SECRET),
    );
    expect((await client.call("get_status")).result).toBeDefined();
    await Bun.sleep((iat + 2) * 1000 - Date.now() + 50);
    const reply = await client.call("get_status");
    expect(reply.error?.code).toBe(-32001);
    expect(reply.error?.data?.reason).toBe("token_expired");
    expect(await client.result("ping")).toBe("pong");
    await client.close();
  });

  test("a new socket starts unauthenticated", async () => {
    const first = await connected(agent.token("admin"));
    const second = await connected();
    expect((await second.call("get_status")).error?.code).toBe(-32001);
    await first.close();
    await second.close();
  });
});

describe("API keys", () => {
  test("an API key authenticates with its role; the file keeps only a hash", async () => {
    const { key, record } = await keys.create({ name: "ops-tool", role: "operator" });
    expect(key).toMatch(/^csk_[A-Za-z0-9_-]{43}$/);
    const file = await Bun.file(agent.config.security.api_keys_file).text();
    expect(file).not.toContain(key);
    expect(file).not.toContain(key.slice(12));
    const client = await connected();
    const reply = await client.authenticate(key);
    expect(reply.result).toEqual(
      expect.objectContaining({ authenticated: true, role: "operator", expires_at: null }),
    );
    expect((await client.call("get_server_info")).result).toBeDefined();
    expect((await client.call("get_status")).error?.code).toBe(-32002);
    await client.close();
    expect(record.revoked_at).toBeNull();
  });

  test("a key made before SHA-256 hashes (argon2id in the file) still authenticates", async () => {
    const { key, record } = await keys.create({ name: "from-last-year", role: "viewer" });
    const path = agent.config.security.api_keys_file;
    const file = JSON.parse(await Bun.file(path).text()) as {
      keys: { id: string; hash: string }[];
    };
    const stored = file.keys.find((each) => each.id === record.id);
    expect(stored?.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    if (stored) stored.hash = await Bun.password.hash(key, { algorithm: "argon2id" });
    await Bun.write(path, JSON.stringify(file));
    const client = await connected();
    expect((await client.authenticate(key)).result).toEqual(
      expect.objectContaining({ authenticated: true, role: "viewer" }),
    );
    await client.close();
    await expectAuthError(`${key.slice(0, -2)}xx`, "auth_failed");
  });

  test("an unknown key, a mangled key and a revoked key are refused", async () => {
    const { key, record } = await keys.create({ name: "short-lived", role: "admin" });
    await expectAuthError(`csk_${"A".repeat(43)}`, "auth_failed");
    await expectAuthError(`${key.slice(0, -2)}xx`, "auth_failed");
    await keys.revoke(record.id);
    await expectAuthError(key, "key_revoked");
  });

  test("revoking a key ends the sessions that use it at their next call", async () => {
    const { key, record } = await keys.create({ name: "to-revoke", role: "admin" });
    const client = await connected(key);
    expect((await client.call("get_status")).result).toBeDefined();
    await keys.revoke(record.name);
    // The agent re-reads the key file at most once a second.
    let reply = await client.call("get_status");
    for (let tries = 0; reply.result !== undefined && tries < 40; tries++) {
      await Bun.sleep(100);
      reply = await client.call("get_status");
    }
    expect(reply.error?.code).toBe(-32001);
    expect(reply.error?.data?.reason).toBe("key_revoked");
    await client.close();
  });

  test("an expired key is refused", async () => {
    const { key } = await keys.create({ name: "expiring", role: "viewer", expiresInMs: 1 });
    await Bun.sleep(20);
    await expectAuthError(key, "token_expired");
  });

  test("calls pipelined behind authenticate see its outcome", async () => {
    const { key } = await keys.create({ name: "pipelined", role: "admin" });
    const client = await connected();
    const [auth, status] = await Promise.all([client.authenticate(key), client.call("get_status")]);
    expect(auth.result).toBeDefined();
    expect(status.result).toBeDefined();
    await client.close();
  });
});

describe("broadcast events: each session's host, none after its credential lapses", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  test("after revocation a socket that only listens gets no more notifications, and -32001 when it calls", async () => {
    const { agent: camera, rpc: admin } = await agentOnCamera(
      oneCameraWorld("SWEEP1", cleanups),
      cleanups,
      "admin",
    );
    const store = new ApiKeyStore(camera.config.security.api_keys_file);
    const { key } = await store.create({ name: "listener", role: "viewer" });
    const listener = await RpcClient.connect(camera.wsUrl);
    cleanups.push(async () => void (await listener.close()));
    await listener.authenticate(key);
    const other = await RpcClient.connect(camera.wsUrl);
    cleanups.push(async () => void (await other.close()));
    await other.authenticate(camera.token("viewer"));
    await store.revoke("listener");
    // Renames broadcast camera_status_update to every session; within a few seconds (the key
    // file's refresh, then a sweep) one reaches the valid session and not the revoked one.
    let round = 0;
    await eventually(async () => {
      listener.drainInbox();
      other.drainInbox();
      const name = `Sweep ${++round}`;
      await admin.result("update_camera", { device: "camera0", name });
      const seen = (client: RpcClient) =>
        client.drainInbox().some((message) => JSON.stringify(message).includes(name));
      await eventually(() => seen(other) || undefined, 2000);
      await Bun.sleep(100);
      return !seen(listener);
    }, 15_000);
    const reply = await listener.call("get_camera_list", {});
    expect(reply.error?.data?.reason).toBe("key_revoked");
    expect(await listener.result("ping")).toBe("pong");
  });

  test("each session hears a camera's stream URLs at the host it used to reach the agent", async () => {
    const { agent: camera, rpc: admin } = await agentOnCamera(
      oneCameraWorld("HOSTS1", cleanups),
      cleanups,
      "admin",
    );
    const byName = await RpcClient.connect(camera.wsUrl.replace("127.0.0.1", "localhost"));
    cleanups.push(async () => void (await byName.close()));
    await byName.authenticate(camera.token("viewer"));
    await admin.result("update_camera", { device: "camera0", name: "Hosts" });
    const update = async (client: RpcClient) => {
      let found: { params?: { streams?: Record<string, string> } } | undefined;
      await eventually(() => {
        found ??= client
          .drainInbox()
          .find((message) => JSON.stringify(message).includes("Hosts")) as typeof found;
        return found;
      });
      return found?.params?.streams ?? {};
    };
    const [byAddress, byHostName] = [await update(admin), await update(byName)];
    expect(byAddress.rtsp).toContain("//127.0.0.1:");
    expect(byHostName.rtsp).toContain("//localhost:");
    expect(byHostName.rtsp?.replace("localhost", "127.0.0.1")).toBe(byAddress.rtsp);
  });

  test("a socket whose token expires hears the events before its expiry and none after", async () => {
    const { agent: camera, rpc: admin } = await agentOnCamera(
      oneCameraWorld("EXPIRY1", cleanups),
      cleanups,
      "admin",
    );
    const issued = Date.now();
    const listener = await RpcClient.connect(camera.wsUrl);
    cleanups.push(async () => void (await listener.close()));
    await listener.authenticate(camera.token("viewer", { ttlSeconds: 3 }));
    const seen = (client: RpcClient, name: string) =>
      client.drainInbox().some((message) => JSON.stringify(message).includes(name));
    await admin.result("update_camera", { device: "camera0", name: "Before expiry" });
    await eventually(() => seen(listener, "Before expiry") || undefined);
    // JWT expiry has one-second resolution: past it for certain 4.5 s after issuing.
    await Bun.sleep(Math.max(0, issued + 4500 - Date.now()));
    admin.drainInbox();
    await admin.result("update_camera", { device: "camera0", name: "After expiry" });
    await eventually(() => seen(admin, "After expiry") || undefined);
    await Bun.sleep(200);
    expect(seen(listener, "After expiry")).toBe(false);
    const reply = await listener.call("get_camera_list", {});
    expect(reply.error?.data?.reason).toBe("token_expired");
  });
});

describe("secrets stay out of the log", () => {
  test("tokens, keys and the JWT secret never appear in log lines", async () => {
    const { key } = await keys.create({ name: "log-check", role: "admin" });
    const token = agent.token("admin");
    const client = await connected(token);
    await client.authenticate(key);
    await client.call("authenticate", { auth_token: `${token}x` });
    await client.close();
    const log = agent.logs.join("");
    expect(log).toContain("session authenticated");
    for (const secret of [token, key, TEST_SECRET, token.split(".")[2] ?? "missing"]) {
      expect(log).not.toContain(secret);
    }
  });
});
