// A/B updates of the x86-64 image, proven by booting it in QEMU (UEFI, writable EFI variables,
// the q35 chipset's TCO watchdog): RAUC installs signed bundles made by image/bundle into the
// other root slot, the next boot is a one-time trial, and the health gate commits it or rolls
// back.
// One machine goes through every scenario in turn, as a device in the field would:
//   refused bundles → good update A→B → bad agent that migrated the database → kernel panic →
//   hang → power cut mid-install. The rigged system is installed once; the panic and the hang
//   retry that installed slot.
// Figures (bundle size, install time, downtime) go to tests/.tmp/artifacts/update-x86-64.json.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  closeSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { eventually } from "../support/eventually.ts";
import {
  buildNextReleaseAgent,
  NEXT_RELEASE_FAILURE,
  NEXT_SCHEMA_VERSION,
} from "../support/next-release-agent.ts";
import { ARTIFACTS, IMAGE_SSH_KEY, QemuVm } from "../support/qemu-vm.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { freePort } from "../support/test-agent.ts";

const REPO = join(import.meta.dir, "../..");
const IMAGE_DIR = join(REPO, "image/out/x86-64");
const PKI = join(REPO, "tests/.tmp/update-pki");
const BUNDLES = join(REPO, "tests/.tmp/bundles");
/** Made by the "update bundle" stage (image/bundle with the test PKI). */
const GOOD = join(BUNDLES, "good.raucb");
const RIGGED_VERSION = "3.0.0-broken";
/** provisioning/update/ on the device, as the fleet playbooks use it. */
const SCRIPTS = "/var/lib/update-scripts";
// TCG on a loaded 2-core machine (the arm64 image build runs beside this stage): a boot takes
// 30-70 s, and up to three times that when other guests share the cores; allow twice that.
const BOOT_TIMEOUT_MS = 420_000;
/** The bound on an unattended rollback: trial boot, failure, reboot, old slot ready again. */
const ROLLBACK_BOUND_MS = 900_000;
const figures: Record<string, number | string> = {};
let vm: QemuVm;
let server: ReturnType<typeof Bun.serve> | undefined;
let adminKey = "";
let baseline: Fingerprint;

interface Fingerprint {
  machineId: string;
  config: string;
  recording: string;
  cameras: string[];
}

function sh(command: string[], what: string): string {
  const result = Bun.spawnSync(command, { cwd: REPO, stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) {
    throw new Error(`${what} failed:\n${result.stdout.toString()}${result.stderr.toString()}`);
  }
  return result.stdout.toString();
}

/**
 * A rootfs whose new version is broken in the ways the scenarios need: its agent is the next
 * release (tests/support/next-release-agent.ts), which migrates the database one schema
 * forward and then fails to start, so the gate rolls back and the old agent must start on
 * the migrated database; and, when /var/lib/update-test-rig says so, the kernel panics early
 * (panic=10 on the command line reboots it) or hangs after a panic with panic=0, which only
 * the armed hardware watchdog ends. The rig file is on the data partition, so one bundle
 * serves three scenarios; the good slot has no such unit and ignores it.
 */
function buildRiggedBundle(): string {
  const work = join(BUNDLES, "rig");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const extracted = join(work, "bundle");
  sh(["rauc", "extract", `--keyring=${PKI}/ca.cert.pem`, GOOD, extracted], "rauc extract");
  const tree = join(work, "tree");
  sh(["fsck.erofs", `--extract=${tree}`, join(extracted, "root.img")], "fsck.erofs --extract");
  buildNextReleaseAgent(join(tree, "usr/bin/camera-agent"), RIGGED_VERSION);
  const units = join(tree, "usr/lib/systemd/system");
  writeFileSync(
    join(units, "update-test-crash.service"),
    [
      "[Unit]",
      "Description=update test rig: crash or hang the kernel when asked",
      "DefaultDependencies=no",
      "After=local-fs.target",
      "ConditionPathExists=/var/lib/update-test-rig",
      "[Service]",
      "Type=oneshot",
      `ExecStart=/bin/sh -c 'case "$$(cat /var/lib/update-test-rig)" in panic) echo c > /proc/sysrq-trigger ;; hang) echo 0 > /proc/sys/kernel/panic; echo c > /proc/sysrq-trigger ;; esac'`,
      "",
    ].join("\n"),
  );
  mkdirSync(join(units, "sysinit.target.wants"), { recursive: true });
  sh(
    ["ln", "-sf", "../update-test-crash.service", join(units, "sysinit.target.wants/")],
    "enable the crash rig",
  );
  const rootfs = join(work, "root.img");
  sh(["mkfs.erofs", "-T0", rootfs, tree], "mkfs.erofs");
  rmSync(tree, { recursive: true, force: true });
  const bundle = join(BUNDLES, "rigged.raucb");
  sh(
    [
      "image/bundle",
      "x86-64",
      "--cert",
      `${PKI}/signing.cert.pem`,
      "--key",
      `${PKI}/signing.key.pem`,
      "--output",
      bundle,
      "--version",
      RIGGED_VERSION,
      "--rootfs",
      rootfs,
      "--uki-dir",
      extracted,
      "--compression",
      "lz4",
    ],
    "image/bundle (rigged)",
  );
  rmSync(work, { recursive: true, force: true });
  return bundle;
}

/** The good bundle with one byte of its payload changed. */
function tamper(): string {
  const bundle = join(BUNDLES, "tampered.raucb");
  copyFileSync(GOOD, bundle);
  const fd = openSync(bundle, "r+");
  const offset = Math.floor(statSync(bundle).size / 2);
  const byte = Buffer.alloc(1);
  const read = Bun.spawnSync(["od", "-An", "-tu1", "-j", String(offset), "-N1", bundle]);
  byte[0] = (Number(read.stdout.toString().trim()) ^ 0x01) & 0xff;
  writeSync(fd, byte, 0, 1, offset);
  closeSync(fd);
  return bundle;
}

/** The good bundle re-signed by a CA the device does not trust. */
function foreign(): string {
  const bundle = join(BUNDLES, "foreign.raucb");
  rmSync(bundle, { force: true });
  sh(
    [
      "rauc",
      "resign",
      `--keyring=${PKI}/ca.cert.pem`,
      `--signing-keyring=${PKI}/other-ca.cert.pem`,
      `--cert=${PKI}/other-signing.cert.pem`,
      `--key=${PKI}/other-signing.key.pem`,
      GOOD,
      bundle,
    ],
    "rauc resign",
  );
  return bundle;
}

async function bootedSlot(): Promise<string> {
  const cmdline = await vm.sh("cat /proc/cmdline");
  return /rauc\.slot=(\S+)/.exec(cmdline)?.[1] ?? "";
}

/**
 * Downloads a bundle from the host (QEMU's user network sees it at 10.0.2.2) to a directory
 * the agent can read too (its /tmp and /var/tmp are private).
 */
async function fetchBundle(name: string): Promise<string> {
  const port = server?.port;
  await vm.sh(
    `mkdir -p /var/lib/bundles && curl -fsS -o /var/lib/bundles/${name} http://10.0.2.2:${port}/${name}`,
    300_000,
  );
  return `/var/lib/bundles/${name}`;
}

/** The operator's command on the device: camera-agent update install (as root). */
async function install(path: string): Promise<{ code: number; output: string; seconds: number }> {
  const started = performance.now();
  const result = await vm.ssh(`camera-agent update install ${path} 2>&1`, 900_000);
  return {
    code: result.code,
    output: result.stdout + result.stderr,
    seconds: (performance.now() - started) / 1000,
  };
}

async function slotStates(): Promise<Record<string, string>> {
  const text = await vm.sh("cat /var/lib/camera-update/slots 2>/dev/null || true");
  return Object.fromEntries(
    text
      .trim()
      .split("\n")
      .filter(Boolean)
      .map((line) => line.split("=") as [string, string]),
  );
}

async function lastResult(): Promise<{ slot: string; result: string; reason: string }> {
  return JSON.parse(await vm.sh("cat /var/lib/camera-update/result.json"));
}

async function loaderVariable(name: string): Promise<string> {
  return (
    await vm.sh(
      `f=/sys/firmware/efi/efivars/${name}-4a67b082-0a4c-41cf-b6c7-440b29bb8c4f; if [ -e $f ]; then cat $f | tail -c +5 | tr -cd '[:print:]'; fi`,
    )
  ).trim();
}

/** Waits until the gate has decided (or found nothing to decide) on this boot. */
async function gateDone(): Promise<void> {
  await eventually(async () => {
    const state = (
      await vm.sh("systemctl show -p ActiveState --value camera-update-gate.service")
    ).trim();
    return state === "active" || state === "failed" ? state : false;
  }, 420_000);
}

async function fingerprint(): Promise<Fingerprint> {
  const client = await RpcClient.connect(`ws://127.0.0.1:${vm.ports.api}/ws`);
  try {
    const reply = await client.authenticate(adminKey);
    if (reply.error)
      throw new Error(`the admin key no longer authenticates: ${JSON.stringify(reply.error)}`);
    await vm.sh("modprobe vivid n_devs=2");
    const list = await eventually(async () => {
      const result = (await client.result("get_camera_list", {})) as {
        cameras: Array<{ device: string; name: string }>;
        connected: number;
      };
      return result.connected === 2 && result;
    }, 90_000);
    return {
      machineId: (await vm.sh("cat /etc/machine-id")).trim(),
      config: (await vm.sh("sha256sum < /etc/camera-agent/config.yaml")).trim(),
      recording: (
        await vm.sh("sha256sum < /var/lib/camera-agent/recordings/update-test.mp4")
      ).trim(),
      cameras: list.cameras.map((camera) => `${camera.device}: ${camera.name}`).sort(),
    };
  } finally {
    await client.close();
  }
}

/** Reboots (or waits for the machine to reboot by itself) until `slot` is up and ready. */
async function waitForSlot(slot: string, seenBoots: string[], timeoutMs: number): Promise<string> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const id = await vm.waitForNewBoot(seenBoots.at(-1) ?? "", deadline - performance.now());
    if (!seenBoots.includes(id)) seenBoots.push(id);
    if ((await bootedSlot()) === slot) {
      await vm.waitForHealth("/health/ready", Math.max(deadline - performance.now(), 1000));
      return id;
    }
  }
}

beforeAll(async () => {
  if (!existsSync(join(IMAGE_DIR, "camera-appliance.raw"))) {
    throw new Error(`no image in ${IMAGE_DIR}: the image build stage failed`);
  }
  if (!existsSync(GOOD)) throw new Error(`no bundle at ${GOOD}: the update bundle stage failed`);
  const started = performance.now();
  buildRiggedBundle();
  tamper();
  foreign();
  figures.test_bundles_seconds = Number(((performance.now() - started) / 1000).toFixed(1));
  figures.bundle_mib = Number((statSync(GOOD).size / 1024 ** 2).toFixed(1));
  server = Bun.serve({
    port: freePort(),
    hostname: "127.0.0.1",
    fetch: (request) => {
      const name = new URL(request.url).pathname.slice(1);
      if (!/^[a-z-]+\.raucb$/.test(name)) return new Response("no", { status: 404 });
      return new Response(Bun.file(join(BUNDLES, name)));
    },
  });
  vm = await QemuVm.start({
    name: "update-x86-64",
    arch: "x86-64",
    disk: join(IMAGE_DIR, "camera-appliance.raw"),
    diskSize: "8G",
    sshKey: IMAGE_SSH_KEY,
    singleThreadTcg: true,
  });
  // Setting the scene is not one of the assertions: when the factory-state test fails, the
  // scenarios after it still run on a machine that has the update scripts, a recording and a
  // named camera (a failed assertion in that test once failed all seven).
  await vm.waitForHealth("/health/ready", BOOT_TIMEOUT_MS);
  await vm.waitForSsh(60_000);
  adminKey = (await vm.sh("cat /etc/camera-agent/admin-api-key")).trim();
  await vm.uploadTree(join(REPO, "provisioning/update"), SCRIPTS);
  await vm.sh(
    "install -d -o camera -g camera /var/lib/camera-agent/recordings && head -c 1048576 /dev/urandom > /var/lib/camera-agent/recordings/update-test.mp4 && chown camera:camera /var/lib/camera-agent/recordings/update-test.mp4",
  );
  await fingerprint(); // both cameras connected, so camera0 can be named
  // A name given by the operator lives in the database, which a migrating update moves
  // forward: it must come back after every scenario.
  const client = await RpcClient.connect(`ws://127.0.0.1:${vm.ports.api}/ws`);
  try {
    const auth = await client.authenticate(adminKey);
    if (auth.error) throw new Error(`authenticate: ${JSON.stringify(auth.error)}`);
    await client.result("update_camera", { device: "camera0", name: "Loading bay" });
  } finally {
    await client.close();
  }
  baseline = await fingerprint();
}, 900_000 + BOOT_TIMEOUT_MS);

afterAll(async () => {
  await vm?.stop();
  server?.stop(true);
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, "update-x86-64.json"), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`update-x86-64 figures: ${JSON.stringify(figures)}`);
});

describe("A/B updates of the x86-64 image in QEMU", () => {
  test(
    "factory state: root-a booted and committed, the gate had nothing to decide, data on /var",
    async () => {
      expect(await bootedSlot()).toBe("root-a");
      await gateDone();
      expect((await vm.sh("systemctl --failed --no-legend --plain")).trim()).toBe("");
      expect(await vm.sh("journalctl -b -u camera-update-gate -o cat")).toContain(
        "root-a is committed",
      );
      // The watchdog PID 1 armed, as the kernel reports it: the guest's only one, the chipset's
      // (tests/support/qemu-vm.ts).
      expect(
        await vm.sh(
          "cat /sys/class/watchdog/watchdog0/identity /sys/class/watchdog/watchdog0/state /sys/class/watchdog/watchdog0/timeout; systemctl show -p WatchdogDevice -p RuntimeWatchdogUSec",
        ),
      ).toBe("iTCO_wdt\nactive\n30\nWatchdogDevice=/dev/watchdog0\nRuntimeWatchdogUSec=30s\n");
      const status = JSON.parse(await vm.sh("rauc status --output-format=json")) as {
        compatible: string;
        booted: string;
      };
      expect(status.compatible).toBe("camera-appliance-x86-64");
      expect(status.booted).toBe("root-a");
      expect((await vm.ssh(`test -x ${SCRIPTS}/install`)).code).toBe(0);
      expect(baseline.cameras).toContain("camera0: Loading bay");
      // The data file system grew into the disk on the first boot (docs/image.md#first-boot):
      // 512 MiB as built, about 4.7 GiB on this 8 GiB disk. Not grown, every update here is
      // refused for space; the journal of the two units says where the growth stopped.
      const dataBytes = Number(await vm.sh("findmnt -bno SIZE /var"));
      if (dataBytes < 4 * 2 ** 30) {
        const journal = await vm.sh(
          "journalctl -b -o short-monotonic --no-pager -u systemd-repart -u 'systemd-growfs@*'",
        );
        throw new Error(`/var is ${dataBytes} bytes, not grown on the first boot:\n${journal}`);
      }
    },
    BOOT_TIMEOUT_MS + 120_000,
  );

  test("refused, nothing written: a bundle with one byte changed, and one signed by another CA", async () => {
    const before = (
      await vm.sh("head -c 16777216 /dev/disk/by-partlabel/root-b | sha256sum")
    ).trim();
    // Through the fleet's install script, downloading it (pinned by its sha256).
    const sha256 = sh(["sha256sum", join(BUNDLES, "foreign.raucb")], "sha256sum").split(" ")[0];
    const foreignResult = await vm.ssh(
      `${SCRIPTS}/install http://10.0.2.2:${server?.port}/foreign.raucb --sha256 ${sha256} 2>&1`,
      900_000,
    );
    figures.refused_foreign = foreignResult.stdout.trim().split("\n").at(-1) ?? "";
    expect(foreignResult.code).not.toBe(0);
    expect(foreignResult.stdout).toContain("install: sha256 checked");
    expect(foreignResult.stdout).toMatch(/signature|verif|certificate|issuer/i);
    expect(await vm.sh("ls /var/tmp | grep -c camera-update. || true")).toBe("0\n");
    // By hand, with the CLI.
    const path = await fetchBundle("tampered.raucb");
    const result = await install(path);
    figures.refused_tampered = result.output.trim().split("\n").at(-1) ?? "";
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/verif|hash|corrupt|signature|mismatch|failed/i);
    await vm.sh(`rm -f ${path}`);
    expect((await vm.sh("head -c 16777216 /dev/disk/by-partlabel/root-b | sha256sum")).trim()).toBe(
      before,
    );
    expect(await loaderVariable("LoaderEntryOneShot")).toBe("");
    expect(await vm.sh("cat /var/lib/camera-update/trial 2>/dev/null || true")).toBe("");
  }, 600_000);

  test(
    "good update A → B: one trial boot of B, the gate commits it, B boots again after a second reboot",
    async () => {
      const preflight = await vm.ssh(`${SCRIPTS}/preflight 2>&1`);
      expect(preflight.stdout).toContain("preflight: recordings: 0 running");
      expect(preflight.code).toBe(0);
      const path = await fetchBundle("good.raucb");
      // Through the API, as an integrator would: progress arrives as notifications, the
      // answer once RAUC is done, and the agent has the machine reboot into the trial.
      const client = await RpcClient.connect(`ws://127.0.0.1:${vm.ports.api}/ws`);
      expect((await client.authenticate(adminKey)).error).toBeUndefined();
      const progress: Array<{ percent: number; step: string }> = [];
      void (async () => {
        for (;;) {
          const message = (await client.next(3_600_000).catch(() => undefined)) as
            | { method?: string; params?: { percent: number; step: string } }
            | undefined;
          if (!message) return;
          if (message.method === "update_progress" && message.params) progress.push(message.params);
        }
      })();
      const boots = [await vm.bootId()];
      const started = performance.now();
      const outcome = (await client.result("install_update", { source: path, reboot: true })) as {
        installed: boolean;
        version: string;
        slot: string;
        backup: string;
        reboot: string;
      };
      figures.install_seconds = Number(((performance.now() - started) / 1000).toFixed(1));
      expect(outcome).toMatchObject({
        installed: true,
        version: "2.0.0-test",
        slot: "root-b",
        reboot: "now",
      });
      expect(outcome.backup).toMatch(/^camera-agent-.+\.tar\.gz$/);
      const steps = progress.map((entry) => entry.step);
      expect(steps).toContain("Checking every block of the bundle");
      expect(steps.at(-1)).toBe("Installed 2.0.0-test into root-b");
      expect(progress.some((entry) => entry.percent > 0 && entry.percent < 100)).toBe(true);
      await client.close().catch(() => undefined);

      await waitForSlot("root-b", boots, BOOT_TIMEOUT_MS);
      figures.update_downtime_seconds = Number(((performance.now() - started) / 1000).toFixed(1));
      await gateDone();
      expect(await lastResult()).toMatchObject({ slot: "root-b", result: "committed" });
      expect(await loaderVariable("LoaderEntryDefault")).toBe("camera-appliance-root-b.efi");
      expect(await loaderVariable("LoaderEntryOneShot")).toBe("");
      expect(await slotStates()).toEqual({ "root-a": "good", "root-b": "good" });
      const status = JSON.parse(await vm.sh("camera-agent update status --json")) as {
        booted_slot: string;
        next_boot_slot: string;
        trial_pending: string | null;
        slots: Array<{ name: string; state: string; version: string | null; booted: boolean }>;
      };
      expect(status).toMatchObject({
        booted_slot: "root-b",
        next_boot_slot: "root-b",
        trial_pending: null,
      });
      expect(status.slots).toEqual([
        expect.objectContaining({ name: "root-a", state: "good", booted: false }),
        expect.objectContaining({
          name: "root-b",
          state: "good",
          booted: true,
          version: "2.0.0-test",
        }),
      ]);
      // The fleet's post-check agrees, and names what differs from what it expected.
      const agentVersion = (await vm.sh("camera-agent version")).split("\n")[0]?.split(" ")[1];
      const verified = await vm.ssh(
        `${SCRIPTS}/verify --agent-version ${agentVersion} --system-version 2.0.0-test --slot root-b 2>&1`,
      );
      expect(verified.stdout).toContain("verify: system version: 2.0.0-test");
      expect(verified.stdout).toContain("verify: slot: root-b booted and committed");
      expect(verified.code).toBe(0);
      const wrongSlot = await vm.ssh(`${SCRIPTS}/verify --slot root-a 2>&1`);
      expect(wrongSlot.code).toBe(1);
      expect(wrongSlot.stdout).toContain("verify: slot: booted root-b, expected root-a");
      const older = await vm.ssh(`${SCRIPTS}/verify --system-version 1.9.0 2>&1`);
      expect(older.code).toBe(1);
      expect(older.stdout).toContain(
        "verify: system version: the booted slot holds 2.0.0-test, expected 1.9.0",
      );
      await vm.sh(`rm -f ${path}`);

      const committed = await vm.bootId();
      await vm.ssh("systemctl reboot");
      await vm.waitForNewBoot(committed, BOOT_TIMEOUT_MS);
      expect(await bootedSlot()).toBe("root-b");
      await vm.waitForHealth("/health/ready", BOOT_TIMEOUT_MS);
      await gateDone();
      expect(await vm.sh("journalctl -b -u camera-update-gate -o cat")).toContain(
        "root-b is committed",
      );
      expect(await fingerprint()).toEqual(baseline);
    },
    900_000 + 3 * BOOT_TIMEOUT_MS,
  );

  /**
   * Puts the rigged system into A and arms its one-time trial, reboots, and waits to be back
   * on B unattended. The first scenario installs the bundle; the later ones try the same
   * installed slot again (`rauc status mark-active other`, as an operator would retry it),
   * which arms the same trial without paying for another install.
   */
  async function failedUpdate(
    rig: string,
    arm: "install" | "retry",
  ): Promise<{ seconds: number; boots: string[] }> {
    if (rig) await vm.sh(`echo ${rig} > /var/lib/update-test-rig`);
    else await vm.sh("rm -f /var/lib/update-test-rig");
    if (arm === "install") {
      const path = "/var/lib/bundles/rigged.raucb";
      if ((await vm.ssh(`test -f ${path}`)).code !== 0) await fetchBundle("rigged.raucb");
      const result = await vm.ssh(`${SCRIPTS}/install ${path} 2>&1`, 900_000);
      if (result.code !== 0) throw new Error(`install failed:\n${result.stdout}`);
    } else {
      expect(await slotStates()).toEqual({ "root-a": "bad", "root-b": "good" });
      await vm.sh("rauc status mark-active other");
    }
    // Armed, not committed: the next boot alone tries A; every later one starts B.
    expect((await vm.sh("cat /var/lib/camera-update/trial")).trim()).toBe("root-a");
    expect(await loaderVariable("LoaderEntryOneShot")).toBe("camera-appliance-root-a.efi");
    expect(await loaderVariable("LoaderEntryDefault")).toBe("camera-appliance-root-b.efi");
    const boots = [await vm.bootId()];
    const started = performance.now();
    await vm.ssh("systemctl reboot");
    await waitForSlot("root-b", boots, ROLLBACK_BOUND_MS);
    const seconds = (performance.now() - started) / 1000;
    await gateDone();
    expect(await vm.sh("cat /var/lib/camera-update/trial 2>/dev/null || true")).toBe("");
    expect(await slotStates()).toEqual({ "root-a": "bad", "root-b": "good" });
    expect(await loaderVariable("LoaderEntryDefault")).toBe("camera-appliance-root-b.efi");
    expect(await loaderVariable("LoaderEntryOneShot")).toBe("");
    await vm.sh("rm -f /var/lib/update-test-rig");
    expect(await fingerprint()).toEqual(baseline);
    return { seconds, boots };
  }

  test(
    "bad update (the new agent migrates the database, then never becomes ready): back on B unattended, A bad, the reason recorded, the old agent healthy on the old schema",
    async () => {
      const { seconds } = await failedUpdate("", "install");
      figures.rollback_bad_agent_seconds = Number(seconds.toFixed(1));
      // The trial's agent moved the database one schema forward before it failed; the old
      // agent started on the copy kept before that migration (and the fingerprint, checked in
      // failedUpdate, is the same: keys, config, camera ids and names, recordings).
      expect(await vm.sh("journalctl -b -1 -o cat -u camera-agent")).toContain(
        NEXT_RELEASE_FAILURE,
      );
      expect(await vm.sh("journalctl -b -o cat -u camera-agent")).toContain(
        `database schema ${NEXT_SCHEMA_VERSION} is newer than this agent's (${NEXT_SCHEMA_VERSION - 1})`,
      );
      expect((await vm.sh("ls /var/lib/camera-agent")).split("\n")).toEqual(
        expect.arrayContaining(["agent.db", `agent.db.schema${NEXT_SCHEMA_VERSION}`]),
      );
      expect(await vm.sh("ls /var/lib/camera-agent")).not.toContain(
        `agent.db.schema${NEXT_SCHEMA_VERSION - 1}`,
      );
      // The trial boot of A really happened (the journal on /var kept it), and its gate said
      // why it gave up.
      expect(await vm.sh("journalctl -b -1 -o cat -u camera-update-gate")).toContain(
        "root-a rolled back",
      );
      const result = await lastResult();
      expect(result).toMatchObject({ slot: "root-a", result: "rolled-back" });
      expect(result.reason).toMatch(/camera-agent\.service failed|not healthy within/);
    },
    ROLLBACK_BOUND_MS + 600_000,
  );

  test(
    "the new kernel panics: back on B, A bad",
    async () => {
      const { seconds } = await failedUpdate("panic", "retry");
      figures.rollback_panic_seconds = Number(seconds.toFixed(1));
      expect((await lastResult()).reason).toContain("did not reach the health gate");
      expect(readFileSync(vm.consoleLog, "utf8")).toContain(
        "Kernel panic - not syncing: sysrq triggered crash",
      );
    },
    ROLLBACK_BOUND_MS + 600_000,
  );

  test(
    "the new system hangs (panic with panic=0): the hardware watchdog resets it, back on B",
    async () => {
      const { seconds } = await failedUpdate("hang", "retry");
      figures.rollback_hang_seconds = Number(seconds.toFixed(1));
      expect((await lastResult()).reason).toContain("did not reach the health gate");
      // The panic (with panic=0, no reboot of its own) is the second one on this console.
      // (Not its closing "---[ end Kernel panic …" line, which only a panic that stays prints.)
      const panics = readFileSync(vm.consoleLog, "utf8").match(
        /(?<!end )Kernel panic - not syncing: sysrq triggered crash/g,
      );
      expect(panics?.length).toBe(2);
    },
    ROLLBACK_BOUND_MS + 600_000,
  );

  test(
    "power cut in the middle of rauc install: the next boot is B, good, and A is bad",
    async () => {
      const path = await fetchBundle("good.raucb");
      // Started detached, so the SSH session can go away with the power.
      await vm.sh(`systemd-run --unit=update-test-install camera-agent update install ${path}`);
      // Cut once RAUC has written 64 MiB of the 1.1 GB root image into slot A (vda2).
      await eventually(async () => {
        const sectors = Number(
          (await vm.sh("awk '$3 == \"vda2\" { print $10 }' /proc/diskstats")).trim(),
        );
        return sectors > 131072;
      }, 300_000);
      await vm.powerCut();
      vm.powerOn();
      await vm.waitForHealth("/health/ready", BOOT_TIMEOUT_MS);
      await vm.waitForSsh(60_000);
      expect(await bootedSlot()).toBe("root-b");
      await gateDone();
      expect(await slotStates()).toMatchObject({ "root-a": "bad", "root-b": "good" });
      expect(await loaderVariable("LoaderEntryOneShot")).toBe("");
      expect((await vm.sh("systemctl --failed --no-legend --plain")).trim()).toBe("");
      expect(await fingerprint()).toEqual(baseline);
    },
    600_000 + BOOT_TIMEOUT_MS,
  );
});
