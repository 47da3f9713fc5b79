import { readFileSync } from "node:fs";

/**
 * CPU time (user + system) process `pid` has used so far, in ms, from /proc/<pid>/stat. Linux
 * counts it in USER_HZ ticks, 100 a second on every architecture we ship, so 10 ms resolution:
 * read it across runs of a second or more.
 */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** CPU time this process (the benchmark and its in-process clients) has used so far, in ms. */
export function ownCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}
