import type { Database } from "bun:sqlite";
import { z } from "zod";
import type { AgentConfig } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import { deleteMediaFile, listMediaFiles, type MediaFile } from "./files.ts";
import { directoryFor } from "./storage-layout.ts";

export const policySchema = z.object({
  policy_type: z.enum(["age", "size", "manual"]),
  enabled: z.boolean(),
  max_age_days: z.number().int().positive().optional(),
  max_size_gb: z.number().positive().optional(),
});
export type RetentionPolicy = z.infer<typeof policySchema>;

/** Contract D17: by age, 30 days, on. */
const DEFAULT_POLICY: RetentionPolicy = { policy_type: "age", enabled: true, max_age_days: 30 };
/** Never delete what was written this recently: it may be a segment still being recorded. */
const IN_USE_MS = 60_000;
const DAY_MS = 86_400_000;

export interface CleanupResult {
  cleanup_executed: boolean;
  files_deleted: number;
  space_freed: number;
  message: string;
}

/** The retention policy (persisted) and the cleanup it implies, now or on a timer. */
export class Retention {
  private timer: Timer | undefined;

  constructor(
    private readonly db: Database,
    private readonly config: AgentConfig,
    private readonly log: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  policy(): RetentionPolicy {
    const row = this.db
      .query("SELECT value FROM settings WHERE key = 'retention_policy'")
      .get() as { value: string } | null;
    const stored = row ? policySchema.safeParse(JSON.parse(row.value)) : undefined;
    return stored?.success ? stored.data : DEFAULT_POLICY;
  }

  setPolicy(policy: RetentionPolicy): void {
    this.db
      .query(
        "INSERT INTO settings (key, value) VALUES ('retention_policy', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(JSON.stringify(policy));
  }

  start(): void {
    this.timer = setInterval(() => {
      this.cleanup().then(
        (result) => {
          if (result.files_deleted > 0) this.log.info(result, "retention cleanup");
        },
        (error: unknown) => this.log.error({ err: error }, "retention cleanup failed"),
      );
    }, this.config.storage.retention_interval);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async cleanup(): Promise<CleanupResult> {
    const policy = this.policy();
    if (!policy.enabled || policy.policy_type === "manual") {
      return {
        cleanup_executed: false,
        files_deleted: 0,
        space_freed: 0,
        message: `retention is ${policy.enabled ? "manual" : "disabled"}`,
      };
    }
    const all: MediaFile[] = [];
    for (const kind of ["recordings", "snapshots"] as const) {
      all.push(
        ...(await listMediaFiles(directoryFor(this.config, kind), kind, Number.MAX_SAFE_INTEGER, 0))
          .files,
      );
    }
    const now = this.now();
    const deletable = all
      .filter((file) => now - file.modified > IN_USE_MS)
      .sort((a, b) => a.modified - b.modified);
    let doomed: MediaFile[];
    if (policy.policy_type === "age") {
      const cutoff = now - (policy.max_age_days ?? 30) * DAY_MS;
      doomed = deletable.filter((file) => file.modified < cutoff);
    } else {
      // Oldest first until everything fits.
      let total = all.reduce((sum, file) => sum + file.size, 0);
      const limit = (policy.max_size_gb ?? 0) * 1e9;
      doomed = [];
      for (const file of deletable) {
        if (total <= limit) break;
        doomed.push(file);
        total -= file.size;
      }
    }
    let freed = 0;
    for (const file of doomed) {
      await deleteMediaFile(file);
      freed += file.size;
    }
    return {
      cleanup_executed: true,
      files_deleted: doomed.length,
      space_freed: freed,
      message: `${doomed.length} file(s) deleted under the ${policy.policy_type} policy`,
    };
  }
}
