import { readFileSync } from "node:fs";
import os from "node:os";

/** One line naming the machine a figure was measured on, for docs/benchmarks.md. */
export function machineDescription(): string {
  const model =
    /model name\s*:\s*(.+)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1]?.trim() ??
    "unknown CPU";
  const memory = `${Math.round(os.totalmem() / 2 ** 30)} GiB`;
  return `${os.cpus().length} × ${model}, ${memory} RAM, Linux ${os.release()}, bun ${Bun.version}`;
}
