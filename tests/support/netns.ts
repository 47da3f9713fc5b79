import { randomBytes } from "node:crypto";

/** Whether this machine lets the tests make network namespaces (root and iproute2). */
export const canMakeNetns =
  process.getuid?.() === 0 &&
  Bun.spawnSync(["ip", "netns", "list"], { stderr: "ignore" }).exitCode === 0;

/**
 * A fresh network namespace whose loopback carries multicast (WS-Discovery needs it), so
 * probes never leave the test: nothing outside the namespace sees them.
 */
export function makeNetns(): { name: string; exec(argv: string[]): string[]; remove(): void } {
  const name = `camtest-${randomBytes(4).toString("hex")}`;
  const ip = (...args: string[]) => {
    const result = Bun.spawnSync(["ip", ...args], { stderr: "pipe" });
    if (result.exitCode !== 0) throw new Error(`ip ${args.join(" ")}: ${result.stderr.toString()}`);
  };
  ip("netns", "add", name);
  ip("-n", name, "link", "set", "lo", "up");
  ip("-n", name, "link", "set", "lo", "multicast", "on");
  ip("-n", name, "route", "add", "239.0.0.0/8", "dev", "lo");
  return {
    name,
    exec: (argv) => ["ip", "netns", "exec", name, ...argv],
    remove: () => ip("netns", "del", name),
  };
}
