import type { AgentConfig } from "../config/schema.ts";
import { type HealthComponent, levelFor } from "./component.ts";
import { diskUsage } from "./system.ts";

/**
 * The storage volume: degraded from storage.warn_percent used (low_space_warning), unhealthy
 * past storage.block_percent (new recordings and snapshots are refused there).
 */
export function storageComponent(config: AgentConfig): HealthComponent {
  const root = config.storage.root;
  const thresholds = [config.storage.warn_percent, config.storage.block_percent] as const;
  return {
    name: "storage",
    // A full disk must not fail an update's health gate: it degrades, it doesn't block.
    gatesReadiness: false,
    async report() {
      const usage = await diskUsage(root);
      const freePercent = 100 - usage.usedPercent;
      const health = levelFor(usage.usedPercent, thresholds);
      return {
        state: "RUNNING",
        health,
        message: `${freePercent.toFixed(1)}% free on the storage volume`,
        details: {
          free_space: `${Math.round(freePercent)}%`,
          total_space: `${Math.round(usage.totalBytes / 1e9)}GB`,
          total_bytes: usage.totalBytes,
          available_bytes: usage.availableBytes,
          used_percent: Number(usage.usedPercent.toFixed(2)),
        },
      };
    },
  };
}
