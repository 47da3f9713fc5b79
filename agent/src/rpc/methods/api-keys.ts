// API keys through the API (admin): the same store as `camera-agent keys`. A new key is shown
// once, in create's answer; only its hash is kept.
import { z } from "zod";
import { KEY_NAME_PATTERN } from "../../auth/api-keys.ts";
import { roleSchema } from "../../auth/roles.ts";
import { domainErrors } from "../../domain-error.ts";
import { parseDuration } from "../../util/duration.ts";
import { defineMethod } from "../method.ts";

const keyName = z
  .string()
  .regex(KEY_NAME_PATTERN, { message: "must be 1-64 letters, digits, '.', '_' or '-'" });

export const listApiKeys = defineMethod({
  name: "list_api_keys",
  role: "admin",
  description: "Every API key (never the key itself): id, name, role, status, created and expiry.",
  params: z.object({}),
  handler: async (_params, { services }) => {
    const keys = await services.apiKeys.listed();
    return { keys, total: keys.length };
  },
});

export const createApiKey = defineMethod({
  name: "create_api_key",
  role: "admin",
  description:
    'Creates a key for a role, optionally expiring (e.g. "30d"); the answer is the only time the key is shown.',
  params: z.object({
    name: keyName,
    role: roleSchema,
    expires_in: z
      .string()
      .max(32)
      .refine((text) => (parseDuration(text) ?? 0) > 0, {
        message: 'expected a duration such as "12h" or "30d"',
      })
      .optional(),
  }),
  handler: async ({ name, role, expires_in }, { services }) => {
    const expiresInMs = expires_in === undefined ? undefined : parseDuration(expires_in);
    const { key, record } = await services.apiKeys.create({ name, role, expiresInMs });
    return {
      key,
      id: record.id,
      name: record.name,
      role: record.role,
      expires_at: record.expires_at,
    };
  },
});

export const revokeApiKey = defineMethod({
  name: "revoke_api_key",
  role: "admin",
  description: "Revokes a key by id or name; sessions using it end at their next call.",
  params: z.object({ key: z.string().min(1).max(80) }),
  handler: async ({ key }, { services }) => {
    const record = await services.apiKeys.revoke(key);
    if (!record) throw domainErrors.notFound("API key", key);
    return { id: record.id, name: record.name, revoked_at: record.revoked_at };
  },
});
