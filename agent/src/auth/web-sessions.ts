import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Identity } from "./authenticator.ts";

/** The dashboard's cookie: a session id, nothing else. */
export const SESSION_COOKIE = "camera_session";

/** A signed-in browser: who it speaks for, until when, and its anti-CSRF token. */
export interface WebSession {
  /** The identity the browser signed in as; `webSessionId` ties it back here. */
  identity: Identity;
  csrf: string;
  expiresAt: number;
}

/**
 * Dashboard sessions, in memory: the cookie holds a random id, never a credential, so a
 * stolen cookie dies with sign-out, expiry or a restart. Kept by the id's hash (a memory
 * dump shows no usable cookie). Bounded: the oldest session ends when one more signs in.
 */
export class WebSessions {
  private readonly sessions = new Map<string, WebSession>();
  private readonly endListeners: Array<(webSessionId: string) => void> = [];

  constructor(
    private readonly ttlMs: number,
    private readonly max: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** A new session for `identity` (its own expiry, if sooner, still applies): the cookie value. */
  create(identity: Identity): { id: string; session: WebSession } {
    const id = randomBytes(32).toString("base64url");
    const key = hashOf(id);
    const sessionEnd = this.now() + this.ttlMs;
    const session: WebSession = {
      identity: {
        ...identity,
        expiresAt: Math.min(identity.expiresAt ?? sessionEnd, sessionEnd),
        webSessionId: key,
      },
      csrf: randomBytes(24).toString("base64url"),
      expiresAt: sessionEnd,
    };
    this.prune();
    // Maps keep insertion order: the first key is the oldest session.
    while (this.sessions.size >= this.max) {
      const oldest = this.sessions.keys().next().value;
      if (oldest === undefined) break;
      this.drop(oldest);
    }
    this.sessions.set(key, session);
    return { id, session };
  }

  /** The live session a cookie names, if any. */
  get(id: string | undefined): WebSession | undefined {
    if (!id || id.length > 128) return undefined;
    return this.byKey(hashOf(id));
  }

  /** Whether the session an identity came from is still signed in (sign-out ends sockets too). */
  alive(webSessionId: string): boolean {
    return this.byKey(webSessionId) !== undefined;
  }

  end(id: string | undefined): void {
    if (id) this.drop(hashOf(id));
  }

  /** Told of every session signed out or pushed out (its open sockets must go too). */
  onEnd(listener: (webSessionId: string) => void): void {
    this.endListeners.push(listener);
  }

  private drop(key: string): void {
    if (!this.sessions.delete(key)) return;
    for (const listener of this.endListeners) listener(key);
  }

  /** Whether `given` is this session's anti-CSRF token (compared in constant time). */
  static csrfMatches(session: WebSession, given: string | undefined | null): boolean {
    if (!given) return false;
    const a = Buffer.from(given);
    const b = Buffer.from(session.csrf);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  get size(): number {
    return this.sessions.size;
  }

  private byKey(key: string): WebSession | undefined {
    const session = this.sessions.get(key);
    if (!session) return undefined;
    if (this.now() >= session.expiresAt) {
      this.sessions.delete(key);
      return undefined;
    }
    return session;
  }

  private prune(): void {
    const now = this.now();
    for (const [key, session] of this.sessions) {
      if (now >= session.expiresAt) this.sessions.delete(key);
    }
  }
}

function hashOf(id: string): string {
  return createHash("sha256").update(id).digest("base64url");
}
