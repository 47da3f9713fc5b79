// Config backups through the API (admin): the same archives as `camera-agent backup create`.
// Restore stays a local operation (CLI): it stops the agent.
import { z } from "zod";
import type { BackupFile } from "../../backup/backup-service.ts";
import { downloadUrl } from "../../media/download-url.ts";
import { FILENAME } from "../../media/storage-layout.ts";
import type { AgentServices } from "../../services.ts";
import { isoUtc } from "../../util/time.ts";
import { defineMethod } from "../method.ts";

const filename = z
  .string()
  .regex(FILENAME, { message: "must be a plain file name (letters, digits, . _ -)" });

function shown(file: BackupFile, services: AgentServices, client: { host: string; port: number }) {
  return {
    filename: file.name,
    file_size: file.size,
    created_time: isoUtc(file.created),
    encrypted: file.encrypted,
    download_url: downloadUrl(services.config, services.downloads, client, "backups", file.name),
  };
}

export const createBackupMethod = defineMethod({
  name: "create_backup",
  role: "admin",
  description:
    "Backs up the config, keys, secrets and a consistent copy of the database (never media); keeps the newest backup.keep.",
  params: z.object({}),
  handler: async (_params, { services, connection }) =>
    shown(await services.backups.create(), services, connection),
});

export const listBackups = defineMethod({
  name: "list_backups",
  role: "admin",
  description: "The archives in the backups directory, newest first, with download URLs.",
  params: z.object({}),
  handler: async (_params, { services, connection }) => {
    const backups = (await services.backups.list()).map((file) =>
      shown(file, services, connection),
    );
    return { backups, total: backups.length };
  },
});

export const deleteBackup = defineMethod({
  name: "delete_backup",
  role: "admin",
  description: "Deletes one archive from the backups directory.",
  params: z.object({ filename }),
  handler: async ({ filename: name }, { services }) => {
    const file = await services.backups.delete(name);
    return { filename: file.name, deleted: true, message: "backup deleted" };
  },
});
