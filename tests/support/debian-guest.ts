// The fleet tests' installer host: a plain Debian 12 disk image built by mkosi from
// tests/fixtures/debian-guest, letting in the test run's SSH key as root. Built once per
// checkout (tests/.tmp/debian-guest) and reused while the fixture and the key are unchanged.
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { ARTIFACTS } from "./qemu-vm.ts";

const REPO = join(import.meta.dir, "../..");
const FIXTURE = join(REPO, "tests/fixtures/debian-guest");
const OUTPUT = join(REPO, "tests/.tmp/debian-guest");
const STAGING = join(REPO, "tests/.tmp/debian-guest-staging");

/** What the image is built from: the fixture's files and the key it lets in. */
function inputs(publicKey: string): string {
  const hasher = new Bun.CryptoHasher("sha256");
  for (const entry of readdirSync(FIXTURE, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    hasher.update(path);
    if (entry.isFile()) hasher.update(readFileSync(path));
  }
  hasher.update(readFileSync(publicKey));
  return hasher.digest("hex");
}

/** Builds the image unless an identical one is there; returns the raw disk's path. */
export async function buildDebianGuest(publicKey: string): Promise<string> {
  const disk = join(OUTPUT, "debian-guest.raw");
  const stamp = join(OUTPUT, "inputs.sha256");
  const digest = inputs(publicKey);
  if (existsSync(disk) && existsSync(stamp) && readFileSync(stamp, "utf8") === digest) return disk;

  rmSync(STAGING, { recursive: true, force: true });
  const ssh = join(STAGING, "root/.ssh");
  mkdirSync(ssh, { recursive: true });
  chmodSync(join(STAGING, "root"), 0o700);
  chmodSync(ssh, 0o700);
  copyFileSync(publicKey, join(ssh, "authorized_keys"));
  chmodSync(join(ssh, "authorized_keys"), 0o600);
  mkdirSync(ARTIFACTS, { recursive: true });
  const log = join(ARTIFACTS, "debian-guest-build.log");
  // Its output (long) goes to the log only.
  const child = Bun.spawn(
    [
      "bash",
      "-c",
      '"$@" > "$0" 2>&1',
      log,
      "mkosi",
      "--directory",
      FIXTURE,
      "--extra-tree",
      STAGING,
      "--output-dir",
      OUTPUT,
      "--package-cache-dir",
      join(REPO, ".cache/mkosi/debian-guest"),
      "--force",
      "build",
    ],
    { cwd: REPO, stdout: "inherit", stderr: "inherit" },
  );
  const code = await child.exited;
  rmSync(STAGING, { recursive: true, force: true });
  if (code !== 0) throw new Error(`mkosi failed (${code}) building the Debian guest; log: ${log}`);
  writeFileSync(stamp, digest);
  return disk;
}

// `bun tests/support/debian-guest.ts <key.pub>`: the test run builds the disk ahead of the fleet
// stage, beside the update stages, so the fleet's guests boot without a build beside them.
if (import.meta.main) {
  const publicKey = process.argv[2];
  if (!publicKey) {
    console.error("usage: bun tests/support/debian-guest.ts <public key file>");
    process.exit(2);
  }
  const started = performance.now();
  const disk = await buildDebianGuest(publicKey);
  console.log(`debian guest: ${disk} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
}
