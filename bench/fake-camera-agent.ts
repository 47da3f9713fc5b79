// The agent config the hot-plug and scale benchmarks run the compiled binary with: loopback,
// a known JWT secret, no rate limit in the way, and USB discovery on a FakeV4l world.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FakeV4l } from "../tests/support/fake-v4l.ts";

export const BENCH_SECRET = "bench-secret-bench-secret-bench-secret-00";

/** Writes `<work>/config.yaml` for an agent on `port` discovering `v4l`'s cameras; its path. */
export function fakeCameraConfig(work: string, port: number, v4l: FakeV4l): string {
  const config = join(work, "config.yaml");
  writeFileSync(
    config,
    [
      "server:",
      "  host: 127.0.0.1",
      `  port: ${port}`,
      "health:",
      "  port: 0",
      "security:",
      `  jwt_secret: ${BENCH_SECRET}`,
      "limits:",
      "  requests_per_minute: 100000000",
      "state:",
      `  dir: ${work}/state`,
      "storage:",
      `  root: ${work}/media`,
      "discovery:",
      "  usb:",
      "    mode: event",
      `    sysfs_root: ${v4l.sysfs}`,
      `    dev_root: ${v4l.dev}`,
      `    udevadm: ${v4l.udevadm}`,
      `    v4l2ctl: ${v4l.v4l2ctl}`,
      "log:",
      "  level: warn",
      "",
    ].join("\n"),
  );
  return config;
}
