import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { createBackup, verifyBackup } from "../backup/backup-archive.ts";
import { ARCHIVE_NAME, backupDirectory } from "../backup/backup-location.ts";
import {
  applyRestore,
  finishRestore,
  recoverRestore,
  restorePlan,
  rollBack,
} from "../backup/restore.ts";
import { buildInfo } from "../build-info.ts";
import { DEFAULT_CONFIG_PATH } from "../config/load.ts";
import type { AgentConfig } from "../config/schema.ts";
import { configurationDirectory } from "../config/systemd-directories.ts";
import { AGENT_UNIT, startUnit, stopUnit, unitActive, waitReady } from "../systemd/unit-control.ts";
import { isoUtc } from "../util/time.ts";
import { configFor } from "./cli-config.ts";
import { parseDurationOption } from "./parse-values.ts";
import { UsageError } from "./usage.ts";

export interface BackupOptions {
  config?: string;
  output?: string;
  "passphrase-file"?: string;
  json?: boolean;
  "dry-run"?: boolean;
  "ready-timeout"?: string;
}

export async function backupCommand(args: string[], options: BackupOptions): Promise<void> {
  const [action, ...rest] = args;
  const passphraseFile = options["passphrase-file"];
  switch (action) {
    case "create": {
      if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest.join(" ")}`);
      const { config, file } = await configFor(options.config);
      const { path, manifest, skipped, pruned } = await createBackup(
        { config, configFile: file, configDir: configurationDirectory(process.env) },
        { output: options.output, passphraseFile, agentVersion: buildInfo.version },
      );
      for (const entry of skipped) console.error(`skipped ${entry}`);
      for (const old of pruned)
        console.error(`removed ${old} (backup.keep: ${config.backup.keep})`);
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
    case "restore": {
      const [file] = rest;
      if (file === undefined || rest.length > 1) throw new UsageError("backup restore needs FILE");
      await restoreCommand(file, options);
      return;
    }
    default:
      throw new UsageError("backup needs one of: create, verify, list, restore");
  }
}

/**
 * verify → plan → stop the agent → put the files in place (crash-safe, see restore.ts) →
 * start → wait for ready; not ready: the old files go back and the agent is started again.
 */
async function restoreCommand(file: string, options: BackupOptions): Promise<void> {
  const readyTimeout =
    options["ready-timeout"] === undefined
      ? 90_000
      : parseDurationOption("--ready-timeout", options["ready-timeout"]);
  const configDir = configurationDirectory(process.env);
  const recovered = await recoverRestore(configDir);
  if (recovered === "in progress") throw new Error("another restore is running");
  if (recovered !== "none") console.error(`an interrupted restore was found and ${recovered}`);
  const backup = await verifyBackup(file, options["passphrase-file"]);
  const configFile = options.config ?? DEFAULT_CONFIG_PATH;
  const plan = restorePlan(backup, configDir, configFile);
  const { manifest } = backup;
  console.error(
    `${file}: made ${manifest.created_at} on ${manifest.hostname} by camera-agent ${manifest.agent_version}`,
  );
  for (const step of plan) {
    const what = step.path === undefined ? "remove " : step.replaces ? "replace" : "create ";
    console.error(`  ${what} ${step.target}`);
  }
  if (options["dry-run"]) {
    console.error("dry run: nothing changed");
    return;
  }
  const managed = await unitActive(AGENT_UNIT);
  if (managed) await stopUnit(AGENT_UNIT);
  await applyRestore(backup, plan, configDir);
  if (!managed) {
    await finishRestore(configDir);
    console.log(`restored ${plan.length} files; camera-agent was not running: start it now`);
    return;
  }
  await startUnit(AGENT_UNIT);
  const restored = await configFor(configFile);
  if (await waitReady(readyUrl(restored.config), readyTimeout)) {
    await finishRestore(configDir);
    console.log(`restored ${plan.length} files; camera-agent is ready`);
    return;
  }
  await stopUnit(AGENT_UNIT);
  await rollBack(configDir);
  await startUnit(AGENT_UNIT);
  throw new Error(
    `camera-agent did not become ready within ${readyTimeout / 1000} s on the restored files: the previous files are back and it runs on them again (see journalctl -u camera-agent)`,
  );
}

function readyUrl(config: AgentConfig): string {
  if (config.health.port !== 0) return `http://127.0.0.1:${config.health.port}/health/ready`;
  const scheme = config.server.tls_cert ? "https" : "http";
  return `${scheme}://127.0.0.1:${config.server.port}/health/ready`;
}
