import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { backupDirectory, createBackup, verifyBackup } from "../backup/backup-archive.ts";
import { buildInfo } from "../build-info.ts";
import { configurationDirectory } from "../config/systemd-directories.ts";
import { isoUtc } from "../util/time.ts";
import { configFor } from "./cli-config.ts";
import { UsageError } from "./usage.ts";

export interface BackupOptions {
  config?: string;
  output?: string;
  "passphrase-file"?: string;
  json?: boolean;
}

const ARCHIVE_NAME = /^camera-agent-.+\.tar\.gz(\.gpg)?$/;

export async function backupCommand(args: string[], options: BackupOptions): Promise<void> {
  const [action, ...rest] = args;
  const passphraseFile = options["passphrase-file"];
  switch (action) {
    case "create": {
      if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest.join(" ")}`);
      const { config, file } = await configFor(options.config);
      const { path, manifest, skipped } = await createBackup(
        { config, configFile: file, configDir: configurationDirectory(process.env) },
        { output: options.output, passphraseFile, agentVersion: buildInfo.version },
      );
      for (const entry of skipped) console.error(`skipped ${entry}`);
      console.error(
        `backed up ${manifest.files.length} files${passphraseFile ? ", encrypted" : ""} (mode 0600):`,
      );
      console.log(path);
      return;
    }
    case "verify": {
      const [file] = rest;
      if (file === undefined || rest.length > 1) throw new UsageError("backup verify needs FILE");
      const { manifest, encrypted } = await verifyBackup(file, passphraseFile);
      console.log(
        [
          `${file}: OK${encrypted ? " (encrypted)" : ""}`,
          `made ${manifest.created_at} on ${manifest.hostname} by camera-agent ${manifest.agent_version} (format ${manifest.format}, database schema ${manifest.schema_version})`,
          ...manifest.files.map((entry) => `  ${entry.restore_to} (${entry.size} bytes)`),
        ].join("\n"),
      );
      return;
    }
    case "list": {
      if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest.join(" ")}`);
      const { config } = await configFor(options.config);
      const dir = backupDirectory(config);
      const names = (await readdir(dir).catch(() => [] as string[]))
        .filter((name) => ARCHIVE_NAME.test(name))
        .sort();
      const rows = await Promise.all(
        names.map(async (name) => {
          const info = await stat(join(dir, name));
          return {
            file: join(dir, name),
            size: info.size,
            modified: isoUtc(info.mtimeMs),
            encrypted: name.endsWith(".gpg"),
          };
        }),
      );
      if (options.json) {
        console.log(JSON.stringify(rows, null, 2));
        return;
      }
      if (rows.length === 0) console.error(`no backups in ${dir}`);
      for (const row of rows) {
        console.log(`${row.modified}  ${String(row.size).padStart(9)}  ${row.file}`);
      }
      return;
    }
    default:
      throw new UsageError("backup needs one of: create, verify, list");
  }
}
