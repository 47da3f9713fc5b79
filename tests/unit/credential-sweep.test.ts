import { describe, expect, test } from "bun:test";
import type { Identity, SessionCheck } from "../../agent/src/auth/authenticator.ts";
import { CredentialSweep } from "../../agent/src/http/credential-sweep.ts";
import { Notifier } from "../../agent/src/notifications/notifier.ts";
import { RpcConnection } from "../../agent/src/rpc/connection.ts";
import { RateLimiter } from "../../agent/src/rpc/rate-limit.ts";

function socket(id: string, identity: Identity | undefined) {
  const received: string[] = [];
  const closed: string[] = [];
  const connection = new RpcConnection(id, "127.0.0.1", "127.0.0.1", 8002, new RateLimiter(60), {
    send: (text) => received.push(text),
    close: (_code, reason) => closed.push(reason),
  });
  connection.identity = identity;
  return { connection, received, closed };
}

const key = (apiKeyId: string): Identity => ({
  userId: `apikey:${apiKeyId}`,
  role: "viewer",
  method: "api_key",
  expiresAt: null,
  apiKeyId,
});

describe("credential sweep", () => {
  test("a listener whose key was revoked hears nothing more, stays open, and is whole again after a new authenticate", async () => {
    const kept = socket("c-1", key("key_kept"));
    const revoked = socket("c-2", key("key_gone"));
    const anonymous = socket("c-3", undefined);
    const all = [kept, revoked, anonymous].map((entry) => entry.connection);
    const verdicts: Record<string, SessionCheck> = { key_kept: "valid", key_gone: "key_revoked" };
    const checked: string[] = [];
    const sweep = new CredentialSweep(
      all,
      async (identity) => {
        checked.push(identity.apiKeyId ?? "");
        return verdicts[identity.apiKeyId ?? ""] ?? "valid";
      },
      60_000,
    );
    // One send per target: what the WebSocket edge's native publish amounts to.
    const notifier = new Notifier(() => all, {
      toAll: (_host, targets, text) => {
        for (const target of targets) target.send(text);
      },
    });

    notifier.broadcast("camera_status_update", { device: "camera0" });
    expect([kept.received.length, revoked.received.length]).toEqual([1, 1]);

    await sweep.sweep();
    notifier.broadcast("camera_status_update", { device: "camera0" });
    expect([kept.received.length, revoked.received.length]).toEqual([2, 1]);
    expect(revoked.closed).toEqual([]);
    // Found once: later passes do not ask about the lapsed identity again.
    await sweep.sweep();
    expect(checked).toEqual(["key_kept", "key_gone", "key_kept"]);

    revoked.connection.identity = key("key_new");
    notifier.broadcast("camera_status_update", { device: "camera0" });
    expect(revoked.received.length).toBe(2);
    expect(anonymous.received).toEqual([]);
  });
});
