import { readdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { AgentConfig } from "../config/schema.ts";
import { domainErrors } from "../domain-error.ts";
import type { Logger } from "../log/logger.ts";
import type { BackupSources } from "./backup-archive.ts";
import { ARCHIVE_NAME, backupDirectory } from "./backup-location.ts";

export interface BackupFile {
  name: string;
  /** Absolute, for the download route only: never shown to clients. */
  path: string;
  size: number;
  /** Epoch ms the archive was written. */
  created: number;
  encrypted: boolean;
}

/**
 * The backups directory as the API sees it: create (the same archive `backup create` makes,
 * pruned to backup.keep), list, delete, and look up for download. Only names `backup create`
 * gives are ever touched, so nothing else in the directory can be read or removed through it.
 */
export class BackupService {
  /** One create at a time: two in the same second would write the same name. */
  private creating: Promise<BackupFile> | undefined;

  constructor(
    private readonly sources: BackupSources,
    private readonly agentVersion: string,
    private readonly log: Logger,
  ) {}

  private get config(): AgentConfig {
    return this.sources.config;
  }

  create(): Promise<BackupFile> {
    this.creating ??= this.createOnce().finally(() => {
      this.creating = undefined;
    });
    return this.creating;
  }

  private async createOnce(): Promise<BackupFile> {
    // Loaded on the first backup: the agent starts without the archive code (issue 18).
    const { createBackup } = await import("./backup-archive.ts");
    const { path, manifest, pruned } = await createBackup(this.sources, {
      agentVersion: this.agentVersion,
    }).catch((error: unknown) => {
      // A file it cannot read, a full disk: the operator's to fix, said in the answer.
      this.log.error({ err: error }, "backup failed");
      const reason = error instanceof Error ? error.message : String(error);
      throw domainErrors.dependencyFailed("backup", `cannot write the backup: ${reason}`);
    });
    this.log.info(
      { file: path, files: manifest.files.length, pruned: pruned.length },
      "backup created",
    );
    const name = path.slice(path.lastIndexOf("/") + 1);
    const file = await this.find(name);
    if (!file) throw new Error(`backup ${name} vanished right after it was written`);
    return file;
  }

  /** Newest first. */
  async list(): Promise<BackupFile[]> {
    const names = await readdir(backupDirectory(this.config)).catch(
      (error: NodeJS.ErrnoException) => {
        if (error.code === "ENOENT") return [] as string[];
        throw error;
      },
    );
    const files = await Promise.all(
      names.filter((name) => ARCHIVE_NAME.test(name)).map((name) => this.find(name)),
    );
    return files
      .filter((file): file is BackupFile => file !== undefined)
      .sort((a, b) => b.created - a.created || b.name.localeCompare(a.name));
  }

  /** The archive by name; undefined for any other name or a file that is not there. */
  async find(name: string): Promise<BackupFile | undefined> {
    if (!ARCHIVE_NAME.test(name)) return undefined;
    const path = join(backupDirectory(this.config), name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    return {
      name,
      path,
      size: info.size,
      created: info.mtimeMs,
      encrypted: name.endsWith(".gpg"),
    };
  }

  async delete(name: string): Promise<BackupFile> {
    const file = await this.find(name);
    if (!file) throw domainErrors.notFound("backup", name);
    await rm(file.path);
    this.log.info({ file: name }, "backup deleted");
    return file;
  }
}
