import type { Logger } from "../log/logger.ts";
import { ApiKeyFileError, type ApiKeyStore, isApiKey } from "./api-keys.ts";
import { verifyJwt } from "./jwt.ts";
import type { Role } from "./roles.ts";

/** Who a socket speaks for once `authenticate` succeeded. */
export interface Identity {
  userId: string;
  role: Role;
  method: "jwt" | "api_key";
  /** Epoch ms after which every call is refused; null = no expiry. */
  expiresAt: number | null;
  apiKeyId?: string;
  /** Set when a dashboard session carries it: signing out ends the identity too. */
  webSessionId?: string;
}

export type AuthOutcome =
  | { ok: true; identity: Identity }
  | { ok: false; reason: "auth_failed" | "token_expired" | "key_revoked" };

export type SessionCheck = "valid" | "token_expired" | "key_revoked";

export class Authenticator {
  constructor(
    private readonly jwtSecret: string,
    private readonly apiKeys: ApiKeyStore,
    private readonly log: Logger,
    /** Whether a dashboard session is still signed in (its identities are valid only then). */
    private readonly webSessionAlive: (webSessionId: string) => boolean,
    private readonly now: () => number = Date.now,
  ) {}

  async authenticate(credential: string): Promise<AuthOutcome> {
    if (isApiKey(credential)) return this.withApiKey(credential);
    const result = verifyJwt(credential, this.jwtSecret, Math.floor(this.now() / 1000));
    if (!result.ok) {
      this.log.info({ reason: result.reason }, "JWT rejected");
      return { ok: false, reason: result.reason === "expired" ? "token_expired" : "auth_failed" };
    }
    const { user_id, role, exp } = result.claims;
    return { ok: true, identity: { userId: user_id, role, method: "jwt", expiresAt: exp * 1000 } };
  }

  /** D8: expiry and key revocation are re-checked on every call, not only at authenticate. */
  async check(identity: Identity): Promise<SessionCheck> {
    if (identity.expiresAt !== null && this.now() > identity.expiresAt) return "token_expired";
    if (identity.webSessionId !== undefined && !this.webSessionAlive(identity.webSessionId))
      return "token_expired";
    if (identity.apiKeyId !== undefined) {
      const status = await this.apiKeys.statusOf(identity.apiKeyId).catch((error: unknown) => {
        this.log.error({ err: error }, "API keys file unreadable; refusing key sessions");
        return "unknown_key" as const;
      });
      if (status === "expired") return "token_expired";
      if (status !== "active") return "key_revoked";
    }
    return "valid";
  }

  private async withApiKey(key: string): Promise<AuthOutcome> {
    try {
      const result = await this.apiKeys.verify(key);
      if (!result.ok) {
        this.log.info({ reason: result.reason }, "API key rejected");
        if (result.reason === "expired") return { ok: false, reason: "token_expired" };
        if (result.reason === "revoked") return { ok: false, reason: "key_revoked" };
        return { ok: false, reason: "auth_failed" };
      }
      const { record } = result;
      return {
        ok: true,
        identity: {
          userId: `apikey:${record.name}`,
          role: record.role,
          method: "api_key",
          expiresAt: record.expires_at === null ? null : Date.parse(record.expires_at),
          apiKeyId: record.id,
        },
      };
    } catch (error) {
      if (!(error instanceof ApiKeyFileError)) throw error;
      this.log.error({ err: error }, "API keys file unreadable; refusing key");
      return { ok: false, reason: "auth_failed" };
    }
  }
}
