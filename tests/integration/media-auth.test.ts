// MediaMTX's authMethod: http hook: what the agent allows, asked the way MediaMTX asks.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { ApiKeyStore } from "../../agent/src/auth/api-keys.ts";
import type { AuthRequest } from "../support/mediamtx-simulator.ts";
import { startTestAgent, type TestAgent } from "../support/test-agent.ts";

let agent: TestAgent;
let apiKey: string;
const AGENT = { user: "agent1", password: "secret-pass-1234" };

beforeAll(async () => {
  agent = await startTestAgent({
    mediamtx: { api_user: AGENT.user, api_password: AGENT.password },
  });
  apiKey = (
    await new ApiKeyStore(agent.config.security.api_keys_file).create({
      name: "nvr",
      role: "viewer",
    })
  ).key;
});
afterAll(async () => {
  await agent.stop();
});

/** The decision for one MediaMTX request, asked with the body MediaMTX sends. */
function ask(fields: Partial<AuthRequest> & Pick<AuthRequest, "action">): Promise<number> {
  return agent.mediamtx.askAuth(`${agent.httpUrl}/internal/mediamtx/auth`, {
    ip: "192.168.1.50",
    path: "camera0",
    protocol: "rtsp",
    ...fields,
  });
}

describe("MediaMTX authentication hook", () => {
  test("viewers need a JWT or API key the API accepts: as token, password, or jwt/key query", async () => {
    const viewer = agent.token("viewer");
    expect(await ask({ action: "read", token: viewer, protocol: "webrtc" })).toBe(200);
    expect(await ask({ action: "read", user: "any", password: viewer })).toBe(200);
    expect(await ask({ action: "read", query: `jwt=${viewer}` })).toBe(200);
    expect(await ask({ action: "playback", query: `key=${apiKey}`, protocol: "" })).toBe(200);
    expect(await ask({ action: "read", protocol: "hls", query: `key=${apiKey}&foo=1` })).toBe(200);
  });

  test("no credential, a bad or expired one, or a viewer asking for more: refused", async () => {
    expect(await ask({ action: "read" })).toBe(401);
    expect(await ask({ action: "read", token: "invalid_token" })).toBe(401);
    expect(await ask({ action: "read", token: agent.token("admin", { ttlSeconds: -5 }) })).toBe(
      401,
    );
    expect(await ask({ action: "publish", token: agent.token("admin") })).toBe(401);
    expect(await ask({ action: "api", token: agent.token("admin") })).toBe(401);
    expect(await ask({ action: "read", user: AGENT.user, password: "wrong" })).toBe(401);
  });

  test("failed logins from one address lock it out for the minute, as on the API; others and the agent are not affected", async () => {
    const limit = agent.config.limits.failed_logins_per_minute;
    for (let i = 0; i < limit; i++) {
      expect(await ask({ action: "read", ip: "192.168.1.77", token: `guess-${i}` })).toBe(401);
    }
    expect(await ask({ action: "read", ip: "192.168.1.77", token: agent.token("viewer") })).toBe(
      401,
    );
    expect(await ask({ action: "read", ip: "192.168.1.78", token: agent.token("viewer") })).toBe(
      200,
    );
    expect(
      await ask({ action: "api", user: AGENT.user, password: AGENT.password, ip: "192.168.1.77" }),
    ).toBe(200);
  });

  test("the agent's own login: API and metrics; publishing only from this machine", async () => {
    expect(
      await ask({ action: "api", user: AGENT.user, password: AGENT.password, ip: "127.0.0.1" }),
    ).toBe(200);
    expect(
      await ask({ action: "metrics", user: AGENT.user, password: AGENT.password, ip: "::1" }),
    ).toBe(200);
    expect(
      await ask({ action: "publish", user: AGENT.user, password: AGENT.password, ip: "127.0.0.1" }),
    ).toBe(200);
    expect(
      await ask({
        action: "publish",
        user: AGENT.user,
        password: AGENT.password,
        ip: "192.168.1.50",
      }),
    ).toBe(401);
  });

  test("only POST, and not a general HTTP route", async () => {
    expect((await fetch(`${agent.httpUrl}/internal/mediamtx/auth`)).status).toBe(404);
    expect(
      (await fetch(`${agent.httpUrl}/internal/mediamtx/auth`, { method: "POST", body: "{" }))
        .status,
    ).toBe(401);
  });
});
