// Sessions: liveness and logging in.

import { z } from "zod";
import { logIn } from "../../auth/log-in.ts";
import { PERMISSIONS } from "../../auth/roles.ts";
import { isoUtc } from "../../util/time.ts";
import { rpcErrors } from "../errors.ts";
import { defineMethod } from "../method.ts";

export const ping = defineMethod({
  name: "ping",
  role: null,
  description: 'Liveness check, callable before authentication; answers "pong".',
  params: z.unknown(),
  handler: () => "pong",
});

export const authenticate = defineMethod({
  name: "authenticate",
  role: null,
  description:
    "Authenticates this socket with a JWT (HS256) or an API key (csk_…); the latest success wins, a failure keeps the previous session.",
  // Wrong or missing credentials are an authentication failure (-32001), not a params error.
  params: z.object({ auth_token: z.unknown().optional(), api_key: z.unknown().optional() }),
  async handler(params, { connection, services }) {
    const credential = params.auth_token ?? params.api_key;
    const { promise, resolve } = Promise.withResolvers<void>();
    connection.pendingAuthentication = promise;
    try {
      const outcome = await logIn(
        services.authenticator,
        services.loginThrottle,
        connection.remoteAddress,
        credential,
      );
      if (!outcome.ok) {
        if (outcome.reason === "throttled") {
          throw rpcErrors.rateLimited(
            outcome.retryAfterMs,
            "too many failed logins from this address",
          );
        }
        throw rpcErrors.authentication(outcome.reason);
      }
      const { identity } = outcome;
      connection.identity = identity;
      services.log.info(
        {
          connection: connection.id,
          user: identity.userId,
          role: identity.role,
          via: identity.method,
        },
        "session authenticated",
      );
      return {
        authenticated: true,
        role: identity.role,
        permissions: PERMISSIONS[identity.role],
        expires_at: identity.expiresAt === null ? null : isoUtc(identity.expiresAt),
        session_id: connection.id,
      };
    } finally {
      if (connection.pendingAuthentication === promise)
        connection.pendingAuthentication = undefined;
      resolve();
    }
  },
});
