import { mkdir, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { BackupService } from "../backup/backup-service.ts";
import type { AgentConfig } from "../config/schema.ts";
import { domainErrors } from "../domain-error.ts";
import type { Logger } from "../log/logger.ts";
import type { RecordingControl } from "../media/recording-control.ts";
import type { Notifier } from "../notifications/notifier.ts";
import { diskUsage } from "../status/system.ts";
import { downloadBundle } from "./bundle-download.ts";
import { InstallRefused, installBundle } from "./install-bundle.ts";
import { readUpdateStatus, type UpdateStatus } from "./update-status.ts";

/** Left in the agent's runtime directory; camera-update-reboot.path reboots (root). */
export const REBOOT_REQUEST = "update-reboot";
/** What a download may take of the state volume beyond the bundle itself. */
const FREE_SPACE_RESERVE = 256 * 1024 * 1024;

export interface InstallRequest {
  /** An absolute path on the device, or an https:// URL. */
  source: string;
  reboot: boolean;
  /** Install even while recordings run (they end at the reboot). */
  force: boolean;
}

export interface InstallOutcome {
  version: string;
  /** The slot the next boot tries. */
  slot: string;
  backup: string;
  reboot: "now" | "later";
}

export interface UpdateDependencies {
  config: AgentConfig;
  recordings: RecordingControl;
  backups: BackupService;
  notifier: Notifier;
  log: Logger;
  /** The unit's RuntimeDirectory (where the reboot request goes); unset outside systemd. */
  runtimeDirectory: string | undefined;
  readStatus?: () => Promise<UpdateStatus>;
}

/**
 * A/B system updates as the API sees them (docs/update.md): the status RAUC and the boot
 * backend report, and installs: checks (A/B image, no recording unless forced, room for a
 * download), a config backup, the bundle checked completely and installed, progress as
 * update_progress notifications, and a reboot into the trial when asked.
 */
export class UpdateService {
  private installing = false;
  private readonly readStatus: () => Promise<UpdateStatus>;

  constructor(private readonly deps: UpdateDependencies) {
    this.readStatus = deps.readStatus ?? (() => readUpdateStatus());
  }

  async status(): Promise<UpdateStatus> {
    try {
      return await this.readStatus();
    } catch (error) {
      this.deps.log.warn({ err: error }, "cannot read the update status");
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      throw domainErrors.dependencyFailed("rauc", `cannot read the update status: ${reason}`);
    }
  }

  async install(request: InstallRequest): Promise<InstallOutcome> {
    const before = await this.status();
    if (!before.supported) {
      throw domainErrors.unsupported("updates", before.reason, "update with install.sh");
    }
    if (request.reboot && !this.deps.runtimeDirectory) {
      throw domainErrors.unsupported(
        "reboot",
        "the agent does not run under systemd here",
        "reboot the machine yourself",
      );
    }
    const recording = this.deps.recordings.active().map((active) => active.device);
    if (recording.length > 0 && !request.force) {
      throw domainErrors.invalidState(
        "recording",
        `recording on ${recording.join(", ")}: stop the recordings or pass force: true`,
      );
    }
    if (this.installing) {
      throw domainErrors.invalidState("installing", "an update is being installed already");
    }
    this.installing = true;
    try {
      return await this.installChecked(request);
    } finally {
      this.installing = false;
    }
  }

  private async installChecked(request: InstallRequest): Promise<InstallOutcome> {
    const { log, notifier } = this.deps;
    const progress = (percent: number, step: string) => {
      notifier.broadcast("update_progress", { percent, step });
    };
    let path = request.source;
    let downloaded: string | undefined;
    if (request.source.startsWith("https://")) {
      const directory = join(this.deps.config.state.dir, "updates");
      await mkdir(directory, { recursive: true, mode: 0o750 });
      downloaded = join(directory, "download.raucb");
      progress(0, "Downloading the bundle");
      const free = (await diskUsage(directory)).availableBytes - FREE_SPACE_RESERVE;
      await downloadBundle(request.source, downloaded, free).catch((error: unknown) => {
        throw domainErrors.dependencyFailed("download", (error as Error).message);
      });
      path = downloaded;
    } else {
      const found = await stat(path).catch(() => undefined);
      if (!found?.isFile()) throw domainErrors.notFound("bundle", path);
    }
    try {
      progress(0, "Backing up the configuration");
      const backup = await this.deps.backups.create();
      const info = await installBundle(path, ({ percent, step }) => progress(percent, step)).catch(
        (error: unknown) => {
          if (error instanceof InstallRefused) {
            throw domainErrors.dependencyFailed("rauc", error.message);
          }
          throw error;
        },
      );
      const after = await this.status();
      const slot = after.supported ? after.next_boot_slot : "unknown";
      log.info({ version: info.version, slot, backup: backup.name }, "update installed");
      progress(100, `Installed ${info.version} into ${slot}`);
      if (request.reboot) this.requestReboot();
      return {
        version: info.version,
        slot,
        backup: backup.name,
        reboot: request.reboot ? "now" : "later",
      };
    } finally {
      if (downloaded) await rm(downloaded, { force: true });
    }
  }

  /** After the answer is on its way: the reboot stops the agent. */
  private requestReboot(): void {
    const directory = this.deps.runtimeDirectory;
    if (!directory) return;
    setTimeout(() => {
      writeFile(join(directory, REBOOT_REQUEST), "").catch((error: unknown) =>
        this.deps.log.error({ err: error }, "cannot ask for the update reboot"),
      );
    }, 1000);
  }
}
