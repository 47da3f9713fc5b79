#!/usr/bin/env node
// postinstall: makes the Linux Bun runtime of the other architecture available for
// `bun build --compile --compile-executable-path`, so release builds need no network later.
// npm refuses a package for a foreign CPU as a dependency (EBADPLATFORM), so it is packed
// here, pinned to the `bun` devDependency's version and checked against the sha512 recorded
// in package.json ("config.bunRuntimeIntegrity").
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
const version = pkg.devDependencies.bun;
const integrity = pkg.config.bunRuntimeIntegrity;

// The host's own runtime comes with the `bun` package; the build uses it as it is.
const native = { x64: "x64", arm64: "aarch64" }[process.arch];

for (const arch of Object.keys(integrity)) {
  if (arch === native) continue;
  const name = `@oven/bun-linux-${arch}`;
  const dest = join(root, "node_modules", ".cache", `bun-linux-${arch}`);
  const marker = join(dest, "version");
  if (existsSync(marker) && readFileSync(marker, "utf8").trim() === version) continue;

  const work = mkdtempSync(join(tmpdir(), "bun-runtime-"));
  try {
    const packed = JSON.parse(
      execFileSync("npm", ["pack", `${name}@${version}`, "--json", "--pack-destination", work], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
      }),
    );
    const tarball = join(work, packed[0].filename);
    const digest = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
    if (digest !== integrity[arch]) {
      throw new Error(
        `${name}@${version}: integrity mismatch (got ${digest}, want ${integrity[arch]})`,
      );
    }
    execFileSync("tar", ["-xzf", tarball, "-C", work]);
    rmSync(dest, { recursive: true, force: true });
    mkdirSync(join(dest, "bin"), { recursive: true });
    renameSync(join(work, "package", "bin", "bun"), join(dest, "bin", "bun"));
    writeFileSync(marker, `${version}\n`);
    console.log(`fetched ${name}@${version} for cross-compiling`);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
