import { statfs } from "node:fs/promises";
import os from "node:os";

export interface DiskUsage {
  totalBytes: number;
  usedBytes: number;
  availableBytes: number;
  /** As `df` computes it: used / (used + available to unprivileged users). */
  usedPercent: number;
}

export async function diskUsage(path: string): Promise<DiskUsage> {
  const info = await statfs(path);
  const totalBytes = info.blocks * info.bsize;
  const usedBytes = (info.blocks - info.bfree) * info.bsize;
  const availableBytes = info.bavail * info.bsize;
  const denominator = usedBytes + availableBytes;
  return {
    totalBytes,
    usedBytes,
    availableBytes,
    usedPercent: denominator === 0 ? 0 : (100 * usedBytes) / denominator,
  };
}

export function memoryUsedPercent(): number {
  const total = os.totalmem();
  return total === 0 ? 0 : (100 * (total - os.freemem())) / total;
}

/** System-wide CPU use between successive reads (at least one second apart). */
export class CpuSampler {
  private previous = totals();
  private lastPercent = 0;
  private lastAt = Date.now();

  usagePercent(): number {
    if (Date.now() - this.lastAt < 1000) return this.lastPercent;
    const current = totals();
    const busy = current.busy - this.previous.busy;
    const all = current.all - this.previous.all;
    this.previous = current;
    this.lastAt = Date.now();
    this.lastPercent = all > 0 ? Math.min(100, (100 * busy) / all) : 0;
    return this.lastPercent;
  }
}

function totals(): { busy: number; all: number } {
  let busy = 0;
  let all = 0;
  for (const cpu of os.cpus()) {
    const { user, nice, sys, idle, irq } = cpu.times;
    busy += user + nice + sys + irq;
    all += user + nice + sys + irq + idle;
  }
  return { busy, all };
}
