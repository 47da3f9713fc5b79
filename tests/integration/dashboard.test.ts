// The dashboard's server side without a browser: sign-in and its cookie, the anti-CSRF token on
// every state change, roles on pages, dashboard sockets, the live-video relay, API keys over
// JSON-RPC. The browser stage (tests/browser) drives the same pages in chromium.

import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { RTCPeerConnection } from "werift";
import { ApiKeyStore } from "../../agent/src/auth/api-keys.ts";
import { MEDIA_AUTH_PATH } from "../../agent/src/mediamtx/media-auth-path.ts";
import { agentOnCamera } from "../support/agent-on-camera.ts";
import { eventually } from "../support/eventually.ts";
import { oneCameraWorld } from "../support/fake-v4l.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { freePort, startTestAgent, type TestAgent } from "../support/test-agent.ts";
import { WhepStandIn } from "../support/whep-stand-in.ts";

let agent: TestAgent;

beforeAll(async () => {
  agent = await startTestAgent({ limits: { failed_logins_per_minute: 10_000 } });
});
afterAll(async () => {
  await agent.stop();
});

interface SignedIn {
  cookie: string;
  csrf: string;
  setCookie: string;
}

async function signIn(credential: string, next = "/"): Promise<SignedIn> {
  const response = await fetch(`${agent.httpUrl}/login`, {
    method: "POST",
    body: new URLSearchParams({ credential, next }),
    redirect: "manual",
  });
  expect(response.status).toBe(303);
  const setCookie = response.headers.get("set-cookie") ?? "";
  const cookie = setCookie.split(";")[0] ?? "";
  const page = await (await fetch(`${agent.httpUrl}/`, { headers: { cookie } })).text();
  const csrf = /data-csrf="([^"]+)"/.exec(page)?.[1] ?? "";
  return { cookie, csrf, setCookie };
}

function get(path: string, cookie?: string): Promise<Response> {
  return fetch(`${agent.httpUrl}${path}`, {
    headers: { accept: "text/html", ...(cookie ? { cookie } : {}) },
    redirect: "manual",
  });
}

describe("sign-in", () => {
  test("pages need a session: sign-in sets an HttpOnly, SameSite=Strict cookie and goes where asked", async () => {
    const anonymous = await get("/system");
    expect(anonymous.status).toBe(303);
    expect(anonymous.headers.get("location")).toBe("/login?next=%2Fsystem");
    const login = await get("/login?next=%2Fsystem");
    expect(login.status).toBe(200);
    expect(login.headers.get("content-security-policy")).toContain("script-src 'self'");
    expect(login.headers.get("x-frame-options")).toBe("DENY");

    const response = await fetch(`${agent.httpUrl}/login`, {
      method: "POST",
      body: new URLSearchParams({ credential: agent.token("viewer"), next: "/system" }),
      redirect: "manual",
    });
    expect(response.headers.get("location")).toBe("/system");
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(
      /^camera_session=[\w-]{43}; Max-Age=\d+; Path=\/; HttpOnly; SameSite=Strict$/,
    );
    // Never a credential in the cookie: a random id the server looks up.
    expect(cookie).not.toContain(agent.token("viewer").slice(0, 20));
    const page = await get("/system", cookie.split(";")[0]);
    expect(page.status).toBe(200);
    expect(page.headers.get("cache-control")).toBe("no-store");
    // Its script and stylesheet are named by their content: cached for good.
    const html = await page.text();
    for (const asset of html.match(/\/ui\/app\.[0-9a-f]{12}\.(js|css)/g) ?? []) {
      const response = await fetch(`${agent.httpUrl}${asset}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      const zipped = await fetch(`${agent.httpUrl}${asset}`, {
        headers: { "accept-encoding": "gzip" },
        decompress: false,
      } as RequestInit);
      expect(zipped.headers.get("content-encoding")).toBe("gzip");
      expect(Bun.gunzipSync(new Uint8Array(await zipped.arrayBuffer()))).toEqual(
        new Uint8Array(await response.arrayBuffer()),
      );
    }
    expect(html.match(/\/ui\/app\.[0-9a-f]{12}\.(js|css)/g)).toHaveLength(2);
  });

  test("a bad credential is refused on the page, and `next` never leads off the site", async () => {
    const bad = await fetch(`${agent.httpUrl}/login`, {
      method: "POST",
      body: new URLSearchParams({ credential: "csk_not-a-real-key-not-a-real-key-not-a-real-key" }),
      redirect: "manual",
    });
    expect(bad.status).toBe(401);
    expect(bad.headers.get("set-cookie")).toBeNull();
    expect(await bad.text()).toContain("That key or token is not valid.");
    for (const next of [
      "//evil.example/",
      "https://evil.example/",
      "/\\evil.example",
      "javascript:alert(1)",
    ]) {
      const response = await fetch(`${agent.httpUrl}/login`, {
        method: "POST",
        body: new URLSearchParams({ credential: agent.token("viewer"), next }),
        redirect: "manual",
      });
      expect({ next, location: response.headers.get("location") }).toEqual({ next, location: "/" });
    }
  });

  test("sign-in from another site's page is refused (login CSRF)", async () => {
    const response = await fetch(`${agent.httpUrl}/login`, {
      method: "POST",
      headers: { origin: "http://evil.example" },
      body: new URLSearchParams({ credential: agent.token("admin") }),
      redirect: "manual",
    });
    expect(response.status).toBe(403);
    expect(response.headers.get("set-cookie")).toBeNull();
  });

  test("sign-out needs the token, ends the session on the server and closes its sockets' access", async () => {
    const session = await signIn(agent.token("operator"));
    const socket = await RpcClient.connect(`${agent.wsUrl}?csrf=${session.csrf}`, {
      headers: { cookie: session.cookie },
    });
    expect((await socket.call("get_camera_list", {})).result).toBeDefined();
    const without = await fetch(`${agent.httpUrl}/logout`, {
      method: "POST",
      headers: { cookie: session.cookie },
      redirect: "manual",
    });
    expect(without.status).toBe(403);
    const out = await fetch(`${agent.httpUrl}/logout`, {
      method: "POST",
      headers: { cookie: session.cookie },
      body: new URLSearchParams({ csrf: session.csrf }),
      redirect: "manual",
    });
    expect(out.status).toBe(303);
    expect(out.headers.get("set-cookie")).toContain("camera_session=;");
    expect((await get("/", session.cookie)).status).toBe(303);
    // Its open sockets (every tab) close at once: no more events for a signed-out browser.
    expect(await socket.closed).toEqual({ code: 1008, reason: "signed out" });
  });

  test("a session whose key is revoked is refused on its next call and page", async () => {
    const keys = new ApiKeyStore(agent.config.security.api_keys_file);
    const { key } = await keys.create({ name: "dashboard-revoked", role: "viewer" });
    const session = await signIn(key);
    const socket = await RpcClient.connect(`${agent.wsUrl}?csrf=${session.csrf}`, {
      headers: { cookie: session.cookie },
    });
    expect((await socket.call("get_camera_list", {})).result).toBeDefined();
    // Revoked from outside the agent (the CLI's store): noticed within a second.
    await keys.revoke("dashboard-revoked");
    await eventually(
      async () => (await socket.call("get_camera_list", {})).error?.data?.reason === "key_revoked",
      5000,
    );
    expect((await get("/", session.cookie)).status).toBe(303);
    await socket.close();
  });

  test("sessions are bounded: past ui.max_sessions the oldest is signed out", async () => {
    const small = await startTestAgent({ ui: { max_sessions: 2 } });
    try {
      const sessions: string[] = [];
      for (let i = 0; i < 3; i++) {
        const response = await fetch(`${small.httpUrl}/login`, {
          method: "POST",
          body: new URLSearchParams({ credential: small.token("viewer") }),
          redirect: "manual",
        });
        sessions.push((response.headers.get("set-cookie") ?? "").split(";")[0] ?? "");
      }
      const statuses = await Promise.all(
        sessions.map(async (cookie) => {
          const response = await fetch(`${small.httpUrl}/`, {
            headers: { cookie },
            redirect: "manual",
          });
          return response.status;
        }),
      );
      expect(statuses).toEqual([401, 200, 200]);
    } finally {
      await small.stop();
    }
  });

  test("with ui.enabled false there is no dashboard", async () => {
    const off = await startTestAgent({ ui: { enabled: false } });
    try {
      expect((await fetch(`${off.httpUrl}/login`)).status).toBe(404);
    } finally {
      await off.stop();
    }
  });
});

describe("roles and CSRF", () => {
  test("a viewer gets no operator or admin pages", async () => {
    const viewer = await signIn(agent.token("viewer"));
    for (const path of ["/keys", "/storage", "/cameras/add"]) {
      const response = await get(path, viewer.cookie);
      expect({ path, status: response.status, text: await response.text() }).toEqual({
        path,
        status: 403,
        text: expect.stringContaining("role"),
      });
    }
    const page = await (await get("/", viewer.cookie)).text();
    expect(page).not.toContain('href="/keys"');
    expect(page).toContain('href="/recordings"');
  });

  test("a dashboard socket acts for the session only with its anti-CSRF token and from its own origin", async () => {
    const admin = await signIn(agent.token("admin"));
    const withToken = await RpcClient.connect(`${agent.wsUrl}?csrf=${admin.csrf}`, {
      headers: { cookie: admin.cookie, origin: agent.httpUrl },
    });
    expect((await withToken.call("list_api_keys", {})).result).toBeDefined();
    await withToken.close();
    const noToken = await RpcClient.connect(agent.wsUrl, { headers: { cookie: admin.cookie } });
    expect((await noToken.call("list_api_keys", {})).error?.data?.reason).toBe("auth_required");
    await noToken.close();
    const wrongToken = await RpcClient.connect(`${agent.wsUrl}?csrf=${admin.csrf}x`, {
      headers: { cookie: admin.cookie },
    });
    expect((await wrongToken.call("list_api_keys", {})).error?.code).toBe(-32001);
    await wrongToken.close();
    // Another site's page: refused at the upgrade (its origin is not allowed).
    await expect(
      RpcClient.connect(`${agent.wsUrl}?csrf=${admin.csrf}`, {
        headers: { cookie: admin.cookie, origin: "http://evil.example" },
      }),
    ).rejects.toThrow("cannot connect");
  });

  test("state changes over HTTP need the token; a form post from another origin is refused", async () => {
    const operator = await signIn(agent.token("operator"));
    const offer = (headers: Record<string, string>) =>
      fetch(`${agent.httpUrl}/ui/live/camera0/whep`, {
        method: "POST",
        headers: { cookie: operator.cookie, "content-type": "application/sdp", ...headers },
        body: "v=0\r\n",
      });
    expect((await offer({})).status).toBe(403);
    expect((await offer({ "x-csrf-token": "guess" })).status).toBe(403);
    expect(
      (await offer({ "x-csrf-token": operator.csrf, origin: "http://evil.example" })).status,
    ).toBe(403);
    // A token in a form body is read from small forms only: a big one is refused unread.
    const bigForm = await fetch(`${agent.httpUrl}/ui/live/camera0/whep`, {
      method: "POST",
      headers: { cookie: operator.cookie, "content-type": "application/x-www-form-urlencoded" },
      body: `csrf=${operator.csrf}&pad=${"a".repeat(20 * 1024)}`,
    });
    expect(bigForm.status).toBe(403);
    // With the token the request goes through to the relay: no camera0 here.
    expect((await offer({ "x-csrf-token": operator.csrf })).status).toBe(404);
  });
});

describe("live-video relay", () => {
  test("refuses what is not a camera's WHEP or HLS resource", async () => {
    const viewer = await signIn(agent.token("viewer"));
    const headers = { cookie: viewer.cookie };
    for (const path of [
      "/ui/live/camera0/hls/index.m3u8",
      "/ui/live/camera0/hls/..%2F..%2Fetc%2Fpasswd",
      "/ui/live/..%2Fcamera0/still.jpg",
    ]) {
      const response = await fetch(`${agent.httpUrl}${path}`, { headers });
      expect({ path, status: response.status }).toEqual({ path, status: 404 });
    }
    const anonymous = await fetch(`${agent.httpUrl}/ui/live/camera0/still.jpg`);
    expect(anonymous.status).toBe(401);
    const tooBig = await fetch(`${agent.httpUrl}/ui/live/camera0/whep`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/sdp", "x-csrf-token": viewer.csrf },
      body: "a".repeat(70 * 1024),
    });
    expect(tooBig.status).toBe(413);
  });
});

describe("live-video relay to MediaMTX's WHEP endpoint", () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  test("an offer reaches MediaMTX as the agent; the answer comes back with our Location; hang-up is relayed", async () => {
    const webrtcPort = freePort();
    const { agent: camera } = await agentOnCamera(
      oneCameraWorld("LIVE1", cleanups),
      cleanups,
      "viewer",
      {
        streams: { webrtc_port: webrtcPort },
        mediamtx: { api_user: "agent", api_password: "relay-test-password-01" },
      },
    );
    const whep = await new WhepStandIn({
      simulator: camera.mediamtx,
      authHook: `${camera.httpUrl}${MEDIA_AUTH_PATH}`,
    }).start(webrtcPort);
    cleanups.push(() => whep.stop());
    const response = await fetch(`${camera.httpUrl}/login`, {
      method: "POST",
      body: new URLSearchParams({ credential: camera.token("viewer") }),
      redirect: "manual",
    });
    const cookie = (response.headers.get("set-cookie") ?? "").split(";")[0] ?? "";
    const page = await (await fetch(`${camera.httpUrl}/`, { headers: { cookie } })).text();
    const csrf = /data-csrf="([^"]+)"/.exec(page)?.[1] ?? "";

    const browser = new RTCPeerConnection();
    cleanups.push(() => browser.close());
    browser.addTransceiver("video", { direction: "recvonly" });
    await browser.setLocalDescription(await browser.createOffer());
    const answer = await fetch(`${camera.httpUrl}/ui/live/camera0/whep`, {
      method: "POST",
      headers: { cookie, "x-csrf-token": csrf, "content-type": "application/sdp" },
      body: browser.localDescription?.sdp,
    });
    expect(answer.status).toBe(201);
    expect(answer.headers.get("content-type")).toBe("application/sdp");
    expect(answer.headers.get("www-authenticate")).toBeNull();
    const location = answer.headers.get("location") ?? "";
    expect(location).toMatch(/^\/ui\/live\/camera0\/whep\/[0-9a-f-]{36}$/);
    expect(await answer.text()).toContain("m=video");
    // MediaMTX saw the agent's own login (its auth hook allowed it) and a reader on the path.
    expect(whep.sessions.size).toBe(1);
    expect(camera.mediamtx.read("camera0")).toBe(true);
    camera.mediamtx.leave("camera0");

    const hangUp = await fetch(`${camera.httpUrl}${location}`, {
      method: "DELETE",
      headers: { cookie, "x-csrf-token": csrf },
    });
    expect(hangUp.status).toBe(200);
    expect(whep.sessions.size).toBe(0);

    await whep.stop();
    const down = await fetch(`${camera.httpUrl}/ui/live/camera0/whep`, {
      method: "POST",
      headers: { cookie, "x-csrf-token": csrf, "content-type": "application/sdp" },
      body: "v=0\r\n",
    });
    expect(down.status).toBe(502);
    expect(await down.text()).toBe("mediamtx: MediaMTX is not reachable\n");
  });
});

describe("API keys over JSON-RPC", () => {
  test("admin creates (key shown once), lists without secrets, revokes; others are refused", async () => {
    const admin = await RpcClient.connect(agent.wsUrl);
    await admin.authenticate(agent.token("admin"));
    const created = (await admin.result("create_api_key", {
      name: "rpc-made",
      role: "viewer",
      expires_in: "30d",
    })) as { key: string; id: string; expires_at: string };
    expect(created.key).toMatch(/^csk_/);
    expect(Date.parse(created.expires_at) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const again = await admin.call("create_api_key", { name: "rpc-made", role: "viewer" });
    expect(again.error).toMatchObject({
      code: -32020,
      data: { details: 'an active key named "rpc-made" already exists' },
    });
    const bad = await admin.call("create_api_key", { name: "../x", role: "root" });
    expect(bad.error?.code).toBe(-32602);

    const user = await RpcClient.connect(agent.wsUrl);
    expect((await user.authenticate(created.key)).result).toBeDefined();
    expect((await user.call("list_api_keys", {})).error?.code).toBe(-32002);

    const { keys } = (await admin.result("list_api_keys", {})) as {
      keys: Array<Record<string, unknown>>;
    };
    const listed = keys.find((key) => key.id === created.id);
    expect(listed).toMatchObject({ name: "rpc-made", role: "viewer", status: "active" });
    expect(Object.keys(listed ?? {}).sort()).toEqual(
      ["created_at", "expires_at", "id", "name", "revoked_at", "role", "status"].sort(),
    );
    expect(await admin.result("revoke_api_key", { key: "rpc-made" })).toMatchObject({
      id: created.id,
    });
    expect((await user.call("get_camera_list", {})).error?.data?.reason).toBe("key_revoked");
    expect((await admin.call("revoke_api_key", { key: "no-such-key" })).error?.code).toBe(-32010);
    await user.close();
    await admin.close();
  });
});
