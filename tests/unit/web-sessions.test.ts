import { describe, expect, test } from "bun:test";
import type { Identity } from "../../agent/src/auth/authenticator.ts";
import { WebSessions } from "../../agent/src/auth/web-sessions.ts";

const identity: Identity = { userId: "u", role: "viewer", method: "api_key", expiresAt: null };

describe("dashboard sessions", () => {
  test("a session lives for its ttl, and no longer than the credential it was signed in with", () => {
    let now = 1_000_000;
    const sessions = new WebSessions(60_000, 10, () => now);
    const { id, session } = sessions.create(identity);
    expect(session.identity.expiresAt).toBe(now + 60_000);
    expect(sessions.get(id)).toBe(session);
    const short = sessions.create({ ...identity, method: "jwt", expiresAt: now + 5_000 });
    expect(short.session.identity.expiresAt).toBe(now + 5_000);
    now += 60_000;
    expect(sessions.get(id)).toBeUndefined();
    expect(sessions.alive(session.identity.webSessionId ?? "")).toBe(false);
  });

  test("ids are looked up by hash; unknown, empty and oversized ids find nothing", () => {
    const sessions = new WebSessions(60_000, 10);
    const { id, session } = sessions.create(identity);
    expect(session.identity.webSessionId).not.toBe(id);
    for (const wrong of [undefined, "", `${id}x`, "a".repeat(10_000)]) {
      expect(sessions.get(wrong)).toBeUndefined();
    }
    sessions.end(id);
    expect(sessions.get(id)).toBeUndefined();
    expect(sessions.size).toBe(0);
  });

  test("sign-out and eviction past the limit are announced (their sockets close)", () => {
    const sessions = new WebSessions(60_000, 2);
    const ended: string[] = [];
    sessions.onEnd((key) => ended.push(key));
    const first = sessions.create(identity);
    const second = sessions.create(identity);
    sessions.create(identity);
    expect(ended).toEqual([first.session.identity.webSessionId ?? ""]);
    sessions.end(second.id);
    sessions.end(second.id);
    expect(ended).toEqual([
      first.session.identity.webSessionId ?? "",
      second.session.identity.webSessionId ?? "",
    ]);
  });

  test("the anti-CSRF token must match exactly", () => {
    const sessions = new WebSessions(60_000, 10);
    const { session } = sessions.create(identity);
    expect(WebSessions.csrfMatches(session, session.csrf)).toBe(true);
    for (const wrong of [undefined, null, "", session.csrf.slice(1), `${session.csrf}x`]) {
      expect(WebSessions.csrfMatches(session, wrong)).toBe(false);
    }
  });
});
