import { z } from "zod";

/** The archive layout this agent writes; an archive of a higher format is refused. */
export const BACKUP_FORMAT = 1;

export const MANIFEST_NAME = "manifest.json";

const fileEntrySchema = z.strictObject({
  /** Name inside the archive: config/…, config-file/…, state/…. */
  path: z.string().min(1),
  /** Where the file lives on the device it came from, and goes back to on restore. */
  restore_to: z.string().startsWith("/"),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  mode: z.number().int().min(0).max(0o7777),
  owner: z.strictObject({
    uid: z.number().int().nonnegative(),
    gid: z.number().int().nonnegative(),
    user: z.string(),
    group: z.string(),
  }),
});
export type ManifestFile = z.infer<typeof fileEntrySchema>;

export const manifestSchema = z.strictObject({
  format: z.number().int().positive(),
  agent_version: z.string(),
  /** The agent database's schema version (PRAGMA user_version) in the archive. */
  schema_version: z.number().int().nonnegative(),
  created_at: z.string(),
  hostname: z.string(),
  /** The archive name of the config file the agent ran with; null when it ran on defaults. */
  agent_config: z.string().nullable(),
  files: z.array(fileEntrySchema),
});
export type Manifest = z.infer<typeof manifestSchema>;
