import type { Authenticator, AuthOutcome } from "./authenticator.ts";
import type { LoginThrottle, Throttled } from "./login-throttle.ts";

/** Longer than any JWT or API key we issue; refused before any crypto is spent on it. */
const MAX_CREDENTIAL_LENGTH = 8192;

/**
 * One login from `address` with whatever the client sent, under the per-address failed-login
 * limit. A malformed credential (not a string, empty, too long) is a failed login too.
 */
export function logIn(
  authenticator: Authenticator,
  throttle: LoginThrottle,
  address: string,
  credential: unknown,
): Promise<AuthOutcome | Throttled> {
  return throttle.attempt(address, async () =>
    wellFormed(credential)
      ? authenticator.authenticate(credential)
      : { ok: false as const, reason: "auth_failed" as const },
  );
}

function wellFormed(credential: unknown): credential is string {
  return (
    typeof credential === "string" &&
    credential.length > 0 &&
    credential.length <= MAX_CREDENTIAL_LENGTH
  );
}
