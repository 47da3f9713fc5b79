import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { readFile, stat } from "node:fs/promises";
import { z } from "zod";
import { domainErrors } from "../domain-error.ts";
import { writeFileAtomic } from "../util/atomic-write.ts";
import { withFileLock } from "../util/file-lock.ts";
import { isoUtc } from "../util/time.ts";
import { type Role, roleSchema } from "./roles.ts";

const KEY_PREFIX = "csk_";
const KEY_PATTERN = /^csk_[A-Za-z0-9_-]{43,}$/;
/** Non-secret leading characters kept in clear so a key is checked against one hash, not all. */
const LOOKUP_LENGTH = 8;
/**
 * How a key's hash is stored. Keys are 256 random bits made here, never chosen by a person, so
 * SHA-256 is as infeasible to reverse as a slow password hash; argon2id (kept only to verify
 * keys made before 2026-12-03) cost each login ~55 ms and a 19 MiB buffer.
 */
const HASH_PREFIX = "sha256:";
/** How stale the in-memory copy may get before the file is looked at again (revocation delay). */
const REFRESH_MS = 1000;
export const KEY_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

const recordSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: roleSchema,
  lookup: z.string(),
  hash: z.string(),
  created_at: z.string(),
  expires_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
const fileSchema = z.object({ version: z.literal(1), keys: z.array(recordSchema) });

export type ApiKeyRecord = z.infer<typeof recordSchema>;
export type ListedApiKey = Omit<ApiKeyRecord, "hash" | "lookup"> & { status: ApiKeyStatus };
export type ApiKeyStatus = "active" | "revoked" | "expired";
export type ApiKeyCheck =
  | { ok: true; record: ApiKeyRecord }
  | { ok: false; reason: "unknown_key" | "revoked" | "expired" };

export class ApiKeyFileError extends Error {}

export function isApiKey(credential: string): boolean {
  return credential.startsWith(KEY_PREFIX);
}

export class ApiKeyStore {
  private cached: { records: ApiKeyRecord[]; mtimeMs: number; size: number } | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;

  constructor(
    readonly path: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reads the file as it is now; a missing file is an empty store. */
  async records(): Promise<ApiKeyRecord[]> {
    let text: string;
    try {
      text = await readFile(this.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new ApiKeyFileError(`cannot read API keys file ${this.path}: ${String(error)}`);
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ApiKeyFileError(`API keys file ${this.path} is not valid JSON`);
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ApiKeyFileError(
        `API keys file ${this.path} is malformed at ${issue?.path.join(".") || "top level"}: ${issue?.message}`,
      );
    }
    return parsed.data.keys;
  }

  /** Every key as it may be shown: no hash, no lookup prefix; with its status. */
  async listed(): Promise<ListedApiKey[]> {
    return (await this.records()).map(({ hash: _hash, lookup: _lookup, ...shown }, index, all) => ({
      ...shown,
      status: this.status(all[index] as ApiKeyRecord),
    }));
  }

  status(record: ApiKeyRecord): ApiKeyStatus {
    if (record.revoked_at !== null) return "revoked";
    if (record.expires_at !== null && this.now() > Date.parse(record.expires_at)) return "expired";
    return "active";
  }

  async create(spec: { name: string; role: Role; expiresInMs?: number }): Promise<{
    key: string;
    record: ApiKeyRecord;
  }> {
    if (!KEY_NAME_PATTERN.test(spec.name)) {
      throw new Error("key name must be 1-64 letters, digits, '.', '_' or '-'");
    }
    const key = `${KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
    const hash = hashOf(key);
    // Read, check and write under the file's lock: two `keys` commands at once must not each
    // write their own copy over the other's acknowledged change.
    return withFileLock(this.path, async () => {
      const records = await this.records();
      if (records.some((record) => record.name === spec.name && this.status(record) === "active")) {
        throw domainErrors.invalidState(
          "key_name_taken",
          `an active key named "${spec.name}" already exists`,
        );
      }
      const now = this.now();
      const record: ApiKeyRecord = {
        id: `key_${randomBytes(6).toString("hex")}`,
        name: spec.name,
        role: spec.role,
        lookup: lookupOf(key),
        hash,
        created_at: isoUtc(now),
        expires_at: spec.expiresInMs === undefined ? null : isoUtc(now + spec.expiresInMs),
        revoked_at: null,
      };
      await this.write([...records, record]);
      return { key, record };
    });
  }

  /** Marks the key revoked (kept for the audit trail); matches by id or by name. */
  revoke(idOrName: string): Promise<ApiKeyRecord | undefined> {
    return withFileLock(this.path, async () => {
      const records = await this.records();
      const target =
        records.find((record) => record.id === idOrName) ??
        records.find((record) => record.name === idOrName && record.revoked_at === null);
      if (!target) return undefined;
      if (target.revoked_at === null) {
        target.revoked_at = isoUtc(this.now());
        await this.write(records);
      }
      return target;
    });
  }

  async verify(key: string): Promise<ApiKeyCheck> {
    if (!KEY_PATTERN.test(key)) return { ok: false, reason: "unknown_key" };
    const lookup = lookupOf(key);
    // A login always looks at the file, so a key created or revoked a moment ago counts.
    for (const record of await this.current(true)) {
      if (record.lookup !== lookup || !(await hashMatches(key, record.hash))) continue;
      const status = this.status(record);
      return status === "active" ? { ok: true, record } : { ok: false, reason: status };
    }
    return { ok: false, reason: "unknown_key" };
  }

  /** Re-checked on every call of a key-authenticated socket so revocation bites at once. */
  async statusOf(id: string): Promise<ApiKeyStatus | "unknown_key"> {
    const record = (await this.current()).find((candidate) => candidate.id === id);
    return record ? this.status(record) : "unknown_key";
  }

  private async current(fresh = false): Promise<ApiKeyRecord[]> {
    const now = this.now();
    if (!fresh && this.cached && now - this.checkedAt < REFRESH_MS) return this.cached.records;
    this.checkedAt = now;
    const info = await stat(this.path).catch(() => undefined);
    if (!info) {
      this.cached = { records: [], mtimeMs: 0, size: 0 };
      return [];
    }
    if (this.cached?.mtimeMs === info.mtimeMs && this.cached.size === info.size) {
      return this.cached.records;
    }
    const records = await this.records();
    this.cached = { records, mtimeMs: info.mtimeMs, size: info.size };
    return records;
  }

  private async write(records: ApiKeyRecord[]): Promise<void> {
    const body = `${JSON.stringify({ version: 1, keys: records }, null, 2)}\n`;
    await writeFileAtomic(this.path, body, { mode: 0o600, inheritOwner: true });
    this.cached = undefined;
    this.checkedAt = Number.NEGATIVE_INFINITY;
  }
}

function hashOf(key: string): string {
  return `${HASH_PREFIX}${createHash("sha256").update(key).digest("hex")}`;
}

async function hashMatches(key: string, hash: string): Promise<boolean> {
  if (!hash.startsWith(HASH_PREFIX)) return Bun.password.verify(key, hash);
  const expected = Buffer.from(hashOf(key));
  const stored = Buffer.from(hash);
  return expected.length === stored.length && timingSafeEqual(expected, stored);
}

function lookupOf(key: string): string {
  return key.slice(KEY_PREFIX.length, KEY_PREFIX.length + LOOKUP_LENGTH);
}
