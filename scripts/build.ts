// Builds dist/camera-agent-linux-{x64,arm64}: single binaries with version, commit and build
// date embedded. Offline once `npm install` has run (it fetches the foreign-arch runtime).
// Usage: bun scripts/build.ts [x64|arm64 …]   (default: both)
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import packageJson from "../package.json" with { type: "json" };

const root = join(import.meta.dir, "..");
// x64 is the baseline build (no AVX2): appliance-class CPUs (Atom, Celeron) and QEMU's
// default CPU lack AVX2, and the AVX2 build dies there with SIGILL on its first instruction.
const TARGETS = {
  x64: { bunTarget: "bun-linux-x64-baseline", runtimeArch: "x64-baseline" },
  arm64: { bunTarget: "bun-linux-arm64", runtimeArch: "aarch64" },
} as const;
export type Arch = keyof typeof TARGETS;
// The runtime running this script, reused when the target needs exactly it.
const HOST_RUNTIME = process.arch === "arm64" ? "aarch64" : "x64";

function git(...args: string[]): string | undefined {
  const result = Bun.spawnSync(["git", ...args], { cwd: root, stderr: "ignore" });
  return result.exitCode === 0 ? result.stdout.toString().trim() : undefined;
}

function runtimeFor(arch: Arch): string {
  if (TARGETS[arch].runtimeArch === HOST_RUNTIME) return process.execPath;
  const path = join(
    root,
    "node_modules",
    ".cache",
    `bun-linux-${TARGETS[arch].runtimeArch}`,
    "bin",
    "bun",
  );
  if (!existsSync(path))
    throw new Error(`${path} is missing: run npm install (its postinstall fetches it)`);
  return path;
}

/** What a build embeds: the version, the commit it was built from and when. */
export interface BuildInfo {
  CAMERA_AGENT_VERSION: string;
  CAMERA_AGENT_COMMIT: string;
  CAMERA_AGENT_BUILD_DATE: string;
}

/** This checkout's build info: package.json's version, HEAD (marked -dirty), its commit time. */
export function checkoutBuildInfo(): BuildInfo {
  const commit = git("rev-parse", "--short=12", "HEAD");
  const dirty = git("status", "--porcelain", "--untracked-files=no");
  const epoch = process.env.SOURCE_DATE_EPOCH ?? git("log", "-1", "--format=%ct");
  return {
    CAMERA_AGENT_VERSION: packageJson.version,
    CAMERA_AGENT_COMMIT: commit ? `${commit}${dirty ? "-dirty" : ""}` : "unknown",
    CAMERA_AGENT_BUILD_DATE: new Date(epoch ? Number(epoch) * 1000 : Date.now()).toISOString(),
  };
}

/**
 * Compiles `entry` (the agent's main module, by default this checkout's) into a single binary
 * for `arch`, as a release is built. The tests' stand-in releases come through here too, so
 * what they install starts like the real thing. Throws with Bun's output when it fails.
 */
export function compileAgent(options: {
  arch: Arch;
  outfile: string;
  info: BuildInfo;
  entry?: string;
  /** Where node_modules resolves from (the checkout by default). */
  cwd?: string;
}): void {
  const result = Bun.spawnSync(
    [
      process.execPath,
      "build",
      options.entry ?? "agent/src/main.ts",
      "--compile",
      `--target=${TARGETS[options.arch].bunTarget}`,
      `--compile-executable-path=${runtimeFor(options.arch)}`,
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      // Deprecation notices about a library's internals (onvif calls url.parse) are noise to an
      // operator and, printed as free text on stderr, break the journal's JSON lines.
      "--compile-exec-argv=--no-deprecation",
      // Precompiled bytecode: the runtime skips parsing and compiling the bundle at each start
      // (`camera-agent version` 0.11 → 0.06 s, start → first ping, see docs/benchmarks.md).
      "--bytecode",
      ...Object.entries(options.info).flatMap(([name, value]) => [
        "--define",
        `${name}=${JSON.stringify(value)}`,
      ]),
      "--outfile",
      options.outfile,
    ],
    { cwd: options.cwd ?? root, stdout: "pipe", stderr: "pipe" },
  );
  if (result.exitCode !== 0) {
    throw new Error(
      `build of ${options.info.CAMERA_AGENT_VERSION} for ${options.arch} failed:\n${result.stdout.toString()}${result.stderr.toString()}`,
    );
  }
}

function main(): void {
  const requested = process.argv.slice(2);
  const unknown = requested.filter((arch) => !(arch in TARGETS));
  if (unknown.length > 0) {
    console.error(
      `unknown target ${unknown.join(", ")}; choose from ${Object.keys(TARGETS).join(", ")}`,
    );
    process.exit(2);
  }
  const arches = (requested.length > 0 ? requested : Object.keys(TARGETS)) as Arch[];
  const info = checkoutBuildInfo();
  mkdirSync(join(root, "dist"), { recursive: true });
  for (const arch of arches) {
    const outfile = join(root, "dist", `camera-agent-linux-${arch}`);
    const started = performance.now();
    try {
      compileAgent({ arch, outfile, info });
    } catch (error) {
      console.error((error as Error).message);
      process.exit(1);
    }
    console.log(
      `built ${outfile} (${info.CAMERA_AGENT_VERSION} ${info.CAMERA_AGENT_COMMIT}) in ${((performance.now() - started) / 1000).toFixed(1)} s`,
    );
  }
}

if (import.meta.main) main();
