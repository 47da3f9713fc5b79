import type { AgentConfig } from "../config/schema.ts";
import { domainErrors } from "../domain-error.ts";
import type { Logger } from "../log/logger.ts";
import { diskUsage } from "../status/system.ts";
import type { Recorder } from "./recorder.ts";

/**
 * Contract D17: at storage.block_percent used, new recordings and snapshots are refused, and
 * running recordings are stopped before the disk fills (checked every guard_interval).
 */
export class StorageGuard {
  private timer: Timer | undefined;

  constructor(
    private readonly config: AgentConfig,
    private readonly recorder: Recorder,
    private readonly log: Logger,
  ) {}

  /** Throws storage_full when there is no room for new media. */
  async assertRoom(): Promise<void> {
    const used = await this.usedPercent();
    if (used >= this.config.storage.block_percent) throw domainErrors.storageFull(used);
  }

  start(): void {
    this.timer = setInterval(() => {
      this.enforce().catch((error: unknown) =>
        this.log.error({ err: error }, "storage check failed"),
      );
    }, this.config.storage.guard_interval);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async enforce(): Promise<void> {
    const used = await this.usedPercent();
    if (used < this.config.storage.block_percent) return;
    for (const recording of this.recorder.all()) {
      if (!this.recorder.stop(recording.device, "storage_full")) continue;
      this.log.warn(
        { device: recording.device, used_percent: used },
        "storage full: recording stopped",
      );
    }
  }

  private async usedPercent(): Promise<number> {
    return (await diskUsage(this.config.storage.root)).usedPercent;
  }
}
