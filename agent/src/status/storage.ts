import type { HealthComponent } from "./health.ts";
import { levelFor } from "./health.ts";
import { diskUsage } from "./system.ts";

/** Used-space thresholds: degraded from 70 % (free < 30 %), unhealthy over 85 % (free < 15 %). */
const USED_PERCENT: readonly [number, number] = [70, 85];

export function storageComponent(root: string): HealthComponent {
  return {
    name: "storage",
    // A full disk must not fail an update's health gate: it degrades, it doesn't block.
    gatesReadiness: false,
    async report() {
      const usage = await diskUsage(root);
      const freePercent = 100 - usage.usedPercent;
      const health = levelFor(usage.usedPercent, USED_PERCENT);
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
