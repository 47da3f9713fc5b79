import { cameraOfFile } from "../camera-ids.ts";
import type { AgentConfig } from "../config/schema.ts";
import { domainErrors } from "../domain-error.ts";
import type { Logger } from "../log/logger.ts";
import { diskUsage } from "../status/system.ts";
import {
  deleteMediaFile,
  listMediaFiles,
  type MediaFile,
  mediaFile,
  newestRecording,
} from "./files.ts";
import type { Recorder } from "./recorder.ts";
import { directoryFor, type FileKind } from "./storage-layout.ts";

const SINGULAR: Record<FileKind, string> = { recordings: "recording", snapshots: "snapshot" };

export interface StorageReport {
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
  usedPercent: number;
  recordingsBytes: number;
  snapshotsBytes: number;
  lowSpace: boolean;
}

/** Recordings and snapshots on disk: listing, looking up, deleting, and what they take. */
export class MediaLibrary {
  constructor(
    private readonly config: AgentConfig,
    private readonly recorder: Recorder,
    private readonly log: Logger,
  ) {}

  list(
    kind: FileKind,
    limit: number,
    offset: number,
  ): Promise<{ files: MediaFile[]; total: number }> {
    return listMediaFiles(directoryFor(this.config, kind), kind, limit, offset);
  }

  /** The file, or a not-found failure (names are checked against FILENAME by the caller). */
  async get(kind: FileKind, name: string): Promise<MediaFile> {
    const file = await mediaFile(directoryFor(this.config, kind), kind, name);
    if (!file) throw domainErrors.notFound(SINGULAR[kind], name);
    return file;
  }

  /** The file, or undefined: for downloads, which answer 404 without a failure object. */
  find(kind: FileKind, name: string): Promise<MediaFile | undefined> {
    return mediaFile(directoryFor(this.config, kind), kind, name);
  }

  async delete(kind: FileKind, name: string): Promise<MediaFile> {
    const file = await this.get(kind, name);
    if (kind === "recordings" && (await this.beingWritten(file.name))) {
      throw domainErrors.invalidState(
        "RECORDING",
        "this is the segment the camera is recording into now",
      );
    }
    await deleteMediaFile(file);
    this.log.info({ file: `${kind}/${file.name}` }, `${SINGULAR[kind]} deleted`);
    return file;
  }

  /** The storage volume's use, or a dependency failure when it cannot be read. */
  disk(): ReturnType<typeof diskUsage> {
    return diskUsage(this.config.storage.root).catch(() => {
      throw domainErrors.dependencyFailed("storage", "cannot read the storage volume's usage");
    });
  }

  async storage(): Promise<StorageReport> {
    const disk = await this.disk();
    const sizeOf = async (kind: FileKind) =>
      (await this.list(kind, Number.MAX_SAFE_INTEGER, 0)).files.reduce(
        (sum, file) => sum + file.size,
        0,
      );
    return {
      totalBytes: disk.totalBytes,
      usedBytes: disk.usedBytes,
      availableBytes: disk.availableBytes,
      usedPercent: disk.usedPercent,
      recordingsBytes: await sizeOf("recordings"),
      snapshotsBytes: await sizeOf("snapshots"),
      lowSpace: disk.usedPercent >= this.config.storage.warn_percent,
    };
  }

  /** The newest segment of a camera that is recording right now is still being written. */
  private async beingWritten(name: string): Promise<boolean> {
    const device = cameraOfFile(name);
    if (!device || !this.recorder.active(device)) return false;
    return (await newestRecording(this.config, device))?.name === name;
  }
}
