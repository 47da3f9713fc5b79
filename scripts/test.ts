// The project's test command (`npm test`): lint, typecheck, build, then every bun test.
// Each stage says where it starts and ends, so a failing CI log points at the stage; the last
// line is "tests: N passed, N failed" (a stage counts as one test), and the exit status is
// non-zero on any failure.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..");
const bin = (name: string) => join(root, "node_modules", ".bin", name);

interface Outcome {
  stage: string;
  passed: number;
  failed: number;
  seconds: number;
}

function run(command: string[]): number {
  return Bun.spawnSync(command, { cwd: root, stdout: "inherit", stderr: "inherit" }).exitCode ?? 1;
}

function stage(name: string, body: () => { passed: number; failed: number }): Outcome {
  console.log(`\n==> stage: ${name}`);
  const started = performance.now();
  const result = body();
  const seconds = (performance.now() - started) / 1000;
  const verdict = result.failed === 0 ? "ok" : "FAILED";
  console.log(`<== stage: ${name}: ${verdict} (${seconds.toFixed(1)} s)`);
  return { stage: name, ...result, seconds };
}

const check = (command: string[]) => () =>
  run(command) === 0 ? { passed: 1, failed: 0 } : { passed: 0, failed: 1 };

function bunTests(paths: string[]) {
  return () => {
    const work = mkdtempSync(join(tmpdir(), "camera-agent-junit-"));
    const report = join(work, "junit.xml");
    try {
      // Generous per-test limit: integration tests spawn processes on a possibly loaded machine.
      const code = run([
        process.execPath,
        "test",
        ...paths,
        "--timeout=60000",
        "--reporter=junit",
        `--reporter-outfile=${report}`,
      ]);
      let totals = { tests: 0, failures: 0, skipped: 0 };
      try {
        const head = /<testsuites\b[^>]*>/.exec(readFileSync(report, "utf8"))?.[0] ?? "";
        const attribute = (name: string) =>
          Number(new RegExp(`\\b${name}="(\\d+)"`).exec(head)?.[1] ?? 0);
        totals = {
          tests: attribute("tests"),
          failures: attribute("failures"),
          skipped: attribute("skipped"),
        };
      } catch {
        console.error("bun test wrote no report");
      }
      const passed = totals.tests - totals.failures - totals.skipped;
      // A file that fails to load, or an error outside any test, fails the run without a failed test.
      const failed = totals.failures + (code !== 0 && totals.failures === 0 ? 1 : 0);
      if (totals.tests === 0) return { passed: 0, failed: Math.max(failed, 1) };
      return { passed, failed };
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  };
}

const ARTIFACTS = join(root, "tests", ".tmp", "artifacts");
const IMAGE_KEY = join(root, "tests", ".tmp", "image-ssh", "id_ed25519");
/** The throwaway update CA the test images trust, and its signing key (update-pki.sh). */
const UPDATE_PKI = join(root, "tests", ".tmp", "update-pki");

/** The command line and log of an image build, after making the keys the test images take. */
function prepareImageBuild(target: string): { command: string[]; log: string } | undefined {
  mkdirSync(ARTIFACTS, { recursive: true });
  if (!existsSync(IMAGE_KEY)) {
    mkdirSync(join(IMAGE_KEY, ".."), { recursive: true });
    if (run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", IMAGE_KEY]) !== 0) return;
  }
  if (!existsSync(join(UPDATE_PKI, "ca.cert.pem"))) {
    if (run(["bash", "tests/support/update-pki.sh", UPDATE_PKI]) !== 0) return;
  }
  const log = join(ARTIFACTS, `image-build-${target}.log`);
  // No MediaMTX release can be fetched here: the image is built, and booted, without it.
  const build = [
    "image/build",
    target,
    "--authorized-keys",
    `${IMAGE_KEY}.pub`,
    "--update-keyring",
    join(UPDATE_PKI, "ca.cert.pem"),
    "--without-mediamtx",
  ];
  return { command: ["bash", "-c", '"$@" > "$0" 2>&1', log, ...build], log };
}

/** An image build's verdict from its exit status; its (long) log's tail shown when it failed. */
function imageBuildOutcome(log: string, exitCode: number | null) {
  const tail = readFileSync(log, "utf8").trimEnd().split("\n");
  if (exitCode === 0) {
    console.log(tail.at(-1));
    return { passed: 1, failed: 0 };
  }
  console.log(`${tail.slice(-40).join("\n")}\nimage build failed; full log: ${log}`);
  return { passed: 0, failed: 1 };
}

function imageBuild(target: string) {
  return () => {
    const build = prepareImageBuild(target);
    if (!build) return { passed: 0, failed: 1 };
    const result = Bun.spawnSync(build.command, {
      cwd: root,
      stdout: "inherit",
      stderr: "inherit",
    });
    return imageBuildOutcome(build.log, result.exitCode);
  };
}

/** image/bundle for a board, signed with the run's throwaway PKI, into tests/.tmp/bundles. */
function bundleCommand(board: string, name: string, extra: string[] = []): string[] {
  return [
    "image/bundle",
    board,
    "--cert",
    join(UPDATE_PKI, "signing.cert.pem"),
    "--key",
    join(UPDATE_PKI, "signing.key.pem"),
    "--keyring",
    join(UPDATE_PKI, "ca.cert.pem"),
    "--version",
    "2.0.0-test",
    ...extra,
    "--output",
    join(root, "tests", ".tmp", "bundles", name),
  ];
}

/**
 * The stages that run beside the x86-64 update stages, one after another in a second process
 * (the update stages mostly wait on one single-threaded QEMU guest, so the second core is free):
 * the x86-64 boot tests, everything arm64, and the fleet's Debian guest disk.
 */
const BESIDE_UPDATES = "beside-updates";
function besideUpdates(): Outcome[] {
  return [
    stage("image: boot x86-64 (QEMU, UEFI)", bunTests(["tests/e2e/image-x86-64.test.ts"])),
    stage("image: build rpi-arm64 (mkosi, qemu-user)", imageBuild("rpi-arm64")),
    stage(
      "image: update bundle rpi-arm64 (image/bundle, RAUC)",
      // Its size is not a figure anyone reads here: the fastest compression to build.
      check(bundleCommand("rpi-arm64", "rpi-arm64.raucb", ["--compression", "lz4"])),
    ),
    stage(
      "image: update bundle rpi-arm64 contents (rauc info, extract, boot hook)",
      bunTests(["tests/e2e/bundle-rpi-arm64.test.ts"]),
    ),
    stage(
      "image: boot arm64 (QEMU virt, direct kernel)",
      bunTests(["tests/e2e/image-arm64.test.ts"]),
    ),
    stage(
      "fleet: Debian guest disk (mkosi, tests/fixtures/debian-guest)",
      check([process.execPath, "tests/support/debian-guest.ts", `${IMAGE_KEY}.pub`]),
    ),
  ];
}

/**
 * Starts a lane of stages now in a second `bun scripts/test.ts --lane` process whose output
 * goes to its log; when awaited, prints that log and returns the lane's outcomes.
 */
function backgroundLane(lane: string): () => Promise<Outcome[]> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const log = join(ARTIFACTS, `lane-${lane}.log`);
  const report = join(ARTIFACTS, `lane-${lane}.json`);
  rmSync(report, { force: true });
  const child = Bun.spawn(
    [
      "bash",
      "-c",
      '"$@" > "$0" 2>&1',
      log,
      process.execPath,
      "scripts/test.ts",
      "--lane",
      lane,
      report,
    ],
    { cwd: root, stdout: "inherit", stderr: "inherit" },
  );
  console.log(`\n--- started in the background, beside the stages below (log: ${log})`);
  return async () => {
    const code = await child.exited;
    console.log(`\n--- the background stages' log (${log}):`);
    console.log(readFileSync(log, "utf8").trimEnd());
    if (code === 0 && existsSync(report))
      return JSON.parse(readFileSync(report, "utf8")) as Outcome[];
    return [{ stage: `background lane ${lane} (exit ${code})`, passed: 0, failed: 1, seconds: 0 }];
  };
}

const laneArgument = process.argv.indexOf("--lane");
if (laneArgument >= 0) {
  const [lane, report] = process.argv.slice(laneArgument + 1);
  if (lane !== BESIDE_UPDATES || !report) {
    console.error(`usage: scripts/test.ts --lane ${BESIDE_UPDATES} <report.json>`);
    process.exit(2);
  }
  writeFileSync(report, JSON.stringify(besideUpdates()));
  process.exit(0);
}

const outcomes: Outcome[] = [];
outcomes.push(
  stage("system packages (scripts/system-deps.sh)", check(["bash", "scripts/system-deps.sh"])),
  stage("lint (biome)", check([bin("biome"), "check", "."])),
  stage(
    "lint shell (shellcheck)",
    check([
      "shellcheck",
      // Follow sourced files (the update scripts share state.sh).
      "--external-sources",
      "provisioning/install.sh",
      "provisioning/update/preflight",
      "provisioning/update/install",
      "provisioning/update/verify",
      "scripts/system-deps.sh",
      ".ci/run",
      "image/build",
      "image/host-deps.sh",
      "image/mkosi.postinst",
      "image/mkosi.postoutput",
      "image/mkosi.finalize",
      "bench/image/reproducibility.sh",
      "image/bundle",
      "image/ota/hook-x86-64",
      "image/ota/hook-rpi-arm64",
      "image/mkosi.extra/usr/lib/camera-appliance/update/state.sh",
      "image/mkosi.extra/usr/lib/camera-appliance/update/boot-efi",
      "image/mkosi.extra/usr/lib/camera-appliance/update/boot-tryboot",
      "image/mkosi.extra/usr/lib/camera-appliance/update/health-gate",
      "tests/support/update-pki.sh",
    ]),
  ),
  stage(
    "lint Ansible (ansible-lint, production profile)",
    check([
      "bash",
      "-c",
      "cd provisioning/ansible && exec ansible-lint --offline --profile production",
    ]),
  ),
  stage("typecheck (tsc --noEmit)", check([bin("tsc"), "-p", "."])),
  stage(
    "architecture (layers, cycles, thin methods)",
    check([process.execPath, "scripts/check-architecture.ts"]),
  ),
  stage(
    "build (dist/camera-agent-linux-x64, -arm64)",
    check([process.execPath, "scripts/build.ts"]),
  ),
  stage("unit and integration tests", bunTests(["tests/unit", "tests/integration"])),
  stage(
    "end-to-end: compiled binary",
    bunTests([
      "tests/e2e/binary.test.ts",
      "tests/e2e/kill-while-writing.test.ts",
      "tests/e2e/backup-restore.test.ts",
    ]),
  ),
  stage("browser: dashboard (chromium, playwright-core)", bunTests(["tests/browser"])),
  stage(
    "installer in a Debian 12 tree (debootstrap, nspawn)",
    bunTests(["tests/e2e/install.test.ts"]),
  ),
  stage("image: host packages (image/host-deps.sh)", check(["bash", "image/host-deps.sh"])),
  stage("image: build x86-64 (mkosi)", imageBuild("x86-64")),
);
const beside = backgroundLane(BESIDE_UPDATES);
outcomes.push(
  stage(
    "image: update bundle x86-64 (image/bundle, RAUC)",
    check(bundleCommand("x86-64", "good.raucb")),
  ),
  stage(
    "image: A/B updates x86-64 (RAUC, QEMU, rollback)",
    bunTests(["tests/e2e/update-x86-64.test.ts"]),
  ),
);
outcomes.push(...(await beside()));
outcomes.push(
  // Not beside the update stage: four more guests on two cores slow its boots past their
  // bounds (seen: a boot not back within 210 s).
  stage(
    "fleet: Ansible playbooks (3 image guests, 1 Debian guest, QEMU)",
    bunTests(["tests/e2e/fleet.test.ts"]),
  ),
);

console.log("\nsummary:");
for (const outcome of outcomes) {
  console.log(
    `  ${outcome.failed === 0 ? "ok    " : "FAILED"} ${outcome.stage}: ${outcome.passed} passed, ${outcome.failed} failed (${outcome.seconds.toFixed(1)} s)`,
  );
}
const passed = outcomes.reduce((sum, outcome) => sum + outcome.passed, 0);
const failed = outcomes.reduce((sum, outcome) => sum + outcome.failed, 0);
console.log(`tests: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
