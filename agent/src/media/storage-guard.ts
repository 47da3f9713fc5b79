import type { AgentConfig } from "../config/schema.ts";
import type { Logger } from "../log/logger.ts";
import { rpcErrors } from "../rpc/errors.ts";
import { diskUsage } from "../status/system.ts";
import type { ActiveRecording, Recorder } from "./recorder.ts";

/**
 * Contract D17: at storage.block_percent used, new recordings and snapshots are refused, and
 * running recordings are stopped before the disk fills (checked every guard_interval).
 */
export class StorageGuard {
  private timer: Timer | undefined;

  constructor(
    private readonly config: AgentConfig,
    private readonly recorder: Recorder,
    private readonly onStopped: (recording: ActiveRecording, endedAt: number) => void,
    private readonly log: Logger,
  ) {}

  /** Throws -32020 storage_full when there is no room for new media. */
  async assertRoom(): Promise<void> {
    const used = await this.usedPercent();
    if (used >= this.config.storage.block_percent) throw rpcErrors.storageFull(used);
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
      const ended = this.recorder.stop(recording.device);
      if (!ended) continue;
      this.log.warn(
        { device: recording.device, used_percent: used },
        "storage full: recording stopped",
      );
      this.onStopped(ended.recording, ended.endedAt);
    }
  }

  private async usedPercent(): Promise<number> {
    return (await diskUsage(this.config.storage.root)).usedPercent;
  }
}
