// The fleet playbooks (provisioning/ansible/) run by the real ansible-playbook over SSH against
// real hosts: three guests of our image, started from the one built image through
// copy-on-write overlays, and one plain Debian 12 guest (tests/fixtures/debian-guest, built by
// mkosi) where the installer puts the agent, as on a customer's own box. Each proof is a
// playbook run followed by checks made from outside Ansible: the hosts' health ports, SSH and
// the JSON-RPC API. Playbook logs go to tests/.tmp/artifacts/fleet-<step>.log.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { buildDebianGuest } from "../support/debian-guest.ts";
import { buildAgentRelease, buildNextReleaseAgent } from "../support/next-release-agent.ts";
import { ARTIFACTS, IMAGE_SSH_KEY, QemuVm } from "../support/qemu-vm.ts";
import { RpcClient } from "../support/rpc-client.ts";
import { freePort } from "../support/test-agent.ts";

const REPO = join(import.meta.dir, "../..");
const PLAYBOOKS = join(REPO, "provisioning/ansible");
const WORK = join(REPO, "tests/.tmp/fleet");
const IMAGE = join(REPO, "image/out/x86-64/camera-appliance.raw");
/** Made by the "update bundle x86-64" stage before this one. */
const GOOD_BUNDLE = join(REPO, "tests/.tmp/bundles/good.raucb");
const UPDATE_PKI = join(REPO, "tests/.tmp/update-pki");
const GOOD_VERSION = "2.0.0-test";
const BAD_VERSION = "3.0.0-broken";
/** What a release is called whose bundle holds another version (GOOD_VERSION): a wrong build. */
const MISLABELLED_VERSION = "2.0.1-mislabelled";
const FACTORY_VERSION = (
  JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
    version: string;
  }
).version;
const IMAGE_HOSTS = ["cam1", "cam2", "cam3"];
const INSTALLER_HOSTS = ["deb1"];
const HOSTS = [...IMAGE_HOSTS, ...INSTALLER_HOSTS];
// Four TCG guests share two cores: a boot takes minutes, not seconds, and a rolling update
// a quarter of an hour.
const BOOT_TIMEOUT_MS = 420_000;
// One vCPU each: with all of a guest's vCPUs on one host thread (singleThreadTcg), a second
// one only adds interrupts between them and spinning on locks the other holds. Alone on this
// machine, one image guest took 35 s against 39 s to install the bundle and 78-81 s against
// 89-93 s to reboot with one vCPU instead of two (docs/development.md). The playbooks do not
// depend on the count; the A/B and boot stages keep two.
const GUEST_CPUS = 1;
const PLAYBOOK_TIMEOUT_MS = 2_400_000;
const SSH_CIPHER = "aes128-gcm@openssh.com";

const vms = new Map<string, QemuVm>();
const figures: Record<string, number> = {};
let suiteStarted = 0;

interface Recap {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  rescued: number;
}

interface Run {
  code: number;
  output: string;
  recap: Map<string, Recap>;
}

/** CPU seconds all the guests' emulators have used so far. */
function guestsCpuSeconds(): number {
  return [...vms.values()].reduce((sum, guest) => sum + guest.cpuSeconds(), 0);
}

function vm(host: string): QemuVm {
  const found = vms.get(host);
  if (!found) throw new Error(`no guest ${host}`);
  return found;
}

/** The inventory, with `canary` first in the rollout order (update.yml's hosts pattern). */
function writeInventory(canary: string, name = "hosts.yml"): string {
  const host = (name: string) =>
    [`        ${name}:`, `          ansible_port: ${vm(name).ports.ssh}`].join("\n");
  const file = join(WORK, "inventory", name);
  mkdirSync(join(WORK, "inventory"), { recursive: true });
  writeFileSync(
    file,
    [
      "all:",
      "  vars:",
      "    ansible_host: 127.0.0.1",
      "    ansible_user: root",
      `    ansible_ssh_private_key_file: ${IMAGE_SSH_KEY}`,
      // Every guest answers on 127.0.0.1 with its own host key: one known_hosts per port.
      // AES-GCM rather than OpenSSH's first choice, ChaCha20: the emulator runs the guests'
      // AES instructions on the host's, ChaCha20's vector code one instruction at a time.
      // Copying the 116 MB agent into an idle guest took 5.1 s against 6.1-10.1 s.
      `    ansible_ssh_common_args: -o UserKnownHostsFile=${join(WORK, "known_hosts")} -o Ciphers=${SSH_CIPHER}`,
      "  children:",
      "    canary:",
      "      hosts:",
      `        ${canary}:`,
      "    image_hosts:",
      "      vars:",
      "        camera_fleet_host_kind: image",
      "        camera_fleet_board: x86-64",
      // The image hosts download the good release themselves from a web server on the
      // controller (plain http, so pinned by its sha256), as a site with its own bundle mirror
      // would; copying 466 MB over SSH into an emulated guest takes minutes, so the play's copy
      // path is taken by the mislabelled release below.
      `        camera_fleet_update_bundles: ${JSON.stringify({ "x86-64": goodBundleUrl })}`,
      `        camera_fleet_update_sha256: ${JSON.stringify({ "x86-64": goodBundleSha256 })}`,
      "        ansible_remote_tmp: /var/lib/ansible/tmp",
      "      hosts:",
      ...IMAGE_HOSTS.map(host),
      "    installer_hosts:",
      "      vars:",
      "        camera_fleet_host_kind: installer",
      "      hosts:",
      ...INSTALLER_HOSTS.map(host),
      "",
    ].join("\n"),
  );
  return file;
}

/** Settings the whole test fleet shares (what a site's group_vars/all.yml would hold). */
function writeFleetVars(): string {
  const file = join(WORK, "fleet-vars.json");
  writeFileSync(
    file,
    JSON.stringify({
      camera_fleet_config: { storage: { warn_percent: 75 } },
      camera_fleet_authorized_keys: [readFileSync(`${IMAGE_SSH_KEY}.pub`, "utf8").trim()],
      // No MediaMTX release can be fetched here; the image is built without it too.
      camera_fleet_mediamtx: "none",
      camera_fleet_backup_dir: join(WORK, "backups"),
      camera_fleet_keys_dir: join(WORK, "keys"),
      camera_fleet_status_report: join(WORK, "status.json"),
      camera_fleet_controller_agent: join(REPO, "dist/camera-agent-linux-x64"),
    }),
  );
  return file;
}

function parseRecap(output: string): Map<string, Recap> {
  const recap = new Map<string, Recap>();
  for (const match of output.matchAll(
    /^(\S+)\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)\s+skipped=\d+\s+rescued=(\d+)/gm,
  )) {
    const [, host, ok, changed, unreachable, failed, rescued] = match;
    recap.set(host ?? "", {
      ok: Number(ok),
      changed: Number(changed),
      unreachable: Number(unreachable),
      failed: Number(failed),
      rescued: Number(rescued),
    });
  }
  return recap;
}

/**
 * A wrong build: a bundle that says it holds GOOD_VERSION, signed like a release, published as
 * MISLABELLED_VERSION. Its root file system holds only an os-release: the install script
 * marks the written slot bad before anything could boot it, so nothing in it ever runs. The
 * image's own kernel images come with it, as the install hook needs them. 93 MiB instead of
 * the good bundle's 445: the play's copy and RAUC's write cost an emulated guest about a
 * minute less, and the bad releases' step is then bound by the installer host's rollback.
 */
function buildMislabelledBundle(): string {
  const tree = join(WORK, "mislabelled-root");
  mkdirSync(join(tree, "etc"), { recursive: true });
  writeFileSync(join(tree, "etc/os-release"), 'NAME="not the release it was published as"\n');
  const rootfs = join(WORK, "mislabelled-root.img");
  const bundle = join(WORK, "mislabelled.raucb");
  for (const command of [
    ["mkfs.erofs", "-T0", rootfs, tree],
    [
      join(REPO, "image/bundle"),
      "x86-64",
      "--cert",
      join(UPDATE_PKI, "signing.cert.pem"),
      "--key",
      join(UPDATE_PKI, "signing.key.pem"),
      "--version",
      GOOD_VERSION,
      "--rootfs",
      rootfs,
      "--compression",
      "lz4",
      "--output",
      bundle,
    ],
  ]) {
    const made = Bun.spawnSync(command, { cwd: REPO, stdout: "pipe", stderr: "pipe" });
    if (made.exitCode !== 0) {
      throw new Error(`${command[0]} failed:\n${made.stdout.toString()}${made.stderr.toString()}`);
    }
  }
  return bundle;
}

let inventory = "";
let fleetVars = "";
let goodBundleSha256 = "";
let goodBundleUrl = "";
let mislabelledBundle = "";
let bundleServer: ReturnType<typeof Bun.serve> | undefined;
let bundleDownloads = 0;

async function playbook(
  step: string,
  file: string,
  args: string[] = [],
  hosts = inventory,
): Promise<Run> {
  const started = performance.now();
  const guestsBefore = guestsCpuSeconds();
  // Ansible's own log of the run: the same lines, each with its time (where a run spends it).
  const timedLog = join(ARTIFACTS, `fleet-${step}.timed.log`);
  rmSync(timedLog, { force: true });
  const child = Bun.spawn(["ansible-playbook", "-i", hosts, "-e", `@${fleetVars}`, file, ...args], {
    cwd: PLAYBOOKS,
    env: {
      ...process.env,
      ANSIBLE_NOCOLOR: "1",
      ANSIBLE_LOG_PATH: timedLog,
      ANSIBLE_VAULT_PASSWORD_FILE: join(WORK, "vault-password"),
    },
    stdout: "pipe",
    stderr: "pipe",
    timeout: PLAYBOOK_TIMEOUT_MS,
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  const output = `${stdout}${stderr}`;
  writeFileSync(join(ARTIFACTS, `fleet-${step}.log`), output);
  figures[`${step}_seconds`] = Number(((performance.now() - started) / 1000).toFixed(1));
  // What the run cost the two host cores, Ansible's side and the guests': with the wall time
  // above, how busy the machine was (docs/development.md).
  // NaN (null in fleet.json) if Bun has no usage for it: a missing figure, not a zero.
  figures[`${step}_controller_cpu_seconds`] = Number(
    (Number(child.resourceUsage()?.cpuTime.total) / 1e6).toFixed(1),
  );
  figures[`${step}_guests_cpu_seconds`] = Number((guestsCpuSeconds() - guestsBefore).toFixed(1));
  return { code, output, recap: parseRecap(stdout) };
}

/** Fails with the playbook's log unless it succeeded on every host. */
function expectSuccess(run: Run, hosts = HOSTS): void {
  if (run.code !== 0)
    throw new Error(`ansible-playbook exited ${run.code}:\n${run.output.slice(-6000)}`);
  for (const host of hosts) {
    const recap = run.recap.get(host);
    expect({ host, failed: recap?.failed, unreachable: recap?.unreachable }).toEqual({
      host,
      failed: 0,
      unreachable: 0,
    });
  }
}

/** A task's result line for one host, e.g. "changed: [cam1]". */
const RESULT_LINE = /^(?:ok|changed|fatal|skipping): \[([^\]]+)\]/gm;

/** The hosts of each batch of a serial play, in order, from its task result lines. */
function batches(output: string): string[][] {
  return output
    .split(/^PLAY \[/m)
    .slice(1)
    .map((play) =>
      [...new Set([...play.matchAll(RESULT_LINE)].map((m) => m[1] ?? ""))]
        .filter((host) => !host.includes(" -> "))
        .sort(),
    );
}

/** The result lines of every run of the task named `name` (each batch runs it once), sorted. */
function taskResults(output: string, name: string): string[] {
  return output
    .split(/^TASK \[/m)
    .filter((task) => task.startsWith(`camera_fleet : ${name}]`))
    .flatMap((task) => [...task.matchAll(RESULT_LINE)])
    .map((match) => match[0])
    .sort();
}

async function health(host: string, path: string): Promise<{ status: number; body: unknown }> {
  const response = await fetch(`http://127.0.0.1:${vm(host).ports.health}${path}`, {
    signal: AbortSignal.timeout(10_000),
  });
  return { status: response.status, body: await response.json() };
}

/** A WebSocket session with the host's API, closed after `use`. */
async function withSession(host: string, use: (client: RpcClient) => Promise<void>): Promise<void> {
  const client = await RpcClient.connect(`ws://127.0.0.1:${vm(host).ports.api}/ws`);
  try {
    await use(client);
  } finally {
    client.close();
  }
}

interface UpdateStatus {
  booted_slot: string;
  next_boot_slot: string;
  trial_pending: string | null;
  slots: { name: string; booted: boolean; version: string | null }[];
}

async function updateStatus(host: string): Promise<UpdateStatus> {
  return JSON.parse(await vm(host).sh("camera-agent update status --json")) as UpdateStatus;
}

function bootedVersion(status: UpdateStatus): string | null {
  return status.slots.find((slot) => slot.booted)?.version ?? null;
}

/** `check` for every host at once: each guest answers on its own emulator. */
async function eachHost(hosts: string[], check: (host: string) => Promise<void>): Promise<void> {
  await Promise.all(hosts.map(check));
}

async function runningVersion(host: string): Promise<string> {
  return ((await health(host, "/health")).body as { version: string }).version;
}

/** What a rollout must leave alone: boot, slot and versions. */
async function fingerprint(host: string): Promise<string> {
  let kind = "";
  if (IMAGE_HOSTS.includes(host)) {
    const status = await updateStatus(host);
    kind = JSON.stringify({ slot: status.booted_slot, system: bootedVersion(status) });
  }
  return `${await vm(host).bootId()} ${await runningVersion(host)} ${kind}`;
}

async function fingerprints(hosts: string[]): Promise<Map<string, string>> {
  return new Map(
    await Promise.all(hosts.map(async (host) => [host, await fingerprint(host)] as const)),
  );
}

/**
 * Boots the guests, at most one per host core at a time: the next starts when one is up. A
 * boot is CPU-bound under TCG, and four at once on two cores thrash each other: all four were
 * up in 140 s and 157 s, against 111-115 s and 125 s two at a time, each pair measured in the
 * same half hour (docs/development.md). A guest's own boot time goes into `figures`.
 */
async function bootGuests(
  guests: { name: string; disk: Promise<string>; diskSize: string }[],
): Promise<void> {
  const queue = [...guests];
  const boot = async (): Promise<void> => {
    for (let guest = queue.shift(); guest; guest = queue.shift()) {
      const disk = await guest.disk;
      const started = performance.now();
      const guestVm = await QemuVm.start({
        name: `fleet-${guest.name}`,
        arch: "x86-64",
        disk,
        diskSize: guest.diskSize,
        sshKey: IMAGE_SSH_KEY,
        singleThreadTcg: true,
        cpus: GUEST_CPUS,
      });
      vms.set(guest.name, guestVm);
      await guestVm.waitForSsh(BOOT_TIMEOUT_MS);
      figures[`${guest.name}_up_seconds`] = Number(
        ((performance.now() - started) / 1000).toFixed(1),
      );
      // Its CPU to that point, beside the wall time: four boots share two cores.
      figures[`${guest.name}_up_cpu_seconds`] = guestVm.cpuSeconds();
    }
  };
  // Every worker finishes (each boot is bounded) before a failure is reported, so no guest
  // starts after the suite's cleanup.
  const failed = (
    await Promise.allSettled(Array.from({ length: availableParallelism() }, boot))
  ).find((result) => result.status === "rejected");
  if (failed) throw failed.reason;
}

describe("fleet playbooks against three image guests and a Debian guest", () => {
  beforeAll(async () => {
    if (!existsSync(IMAGE)) throw new Error(`no image at ${IMAGE}: the image build stage makes it`);
    if (!existsSync(GOOD_BUNDLE)) {
      throw new Error(`no bundle at ${GOOD_BUNDLE}: the update bundle stage makes it`);
    }
    rmSync(WORK, { recursive: true, force: true });
    mkdirSync(WORK, { recursive: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(WORK, "vault-password"), `fleet-test-${crypto.randomUUID()}\n`, {
      mode: 0o600,
    });
    // The Debian guest's disk is built (unless the test run built it ahead: npm test does,
    // beside the update stages) while the first image guests boot.
    suiteStarted = performance.now();
    const debianDisk = buildDebianGuest(`${IMAGE_SSH_KEY}.pub`).then((disk) => {
      figures.debian_guest_build_seconds = Number(
        ((performance.now() - suiteStarted) / 1000).toFixed(1),
      );
      return disk;
    });
    // Awaited by the boot that needs it; this only keeps a failed build from being reported
    // as unhandled before then.
    debianDisk.catch(() => undefined);
    await bootGuests([
      ...IMAGE_HOSTS.map((name) => ({ name, disk: Promise.resolve(IMAGE), diskSize: "8G" })),
      { name: "deb1", disk: debianDisk, diskSize: "6G" },
    ]);
    figures.all_guests_up_seconds = Number(((performance.now() - suiteStarted) / 1000).toFixed(1));
    mislabelledBundle = buildMislabelledBundle();
    // The guests reach the host's loopback as 10.0.2.2 (QEMU's user network).
    bundleServer = Bun.serve({
      port: freePort(),
      hostname: "127.0.0.1",
      fetch: (request) => {
        if (new URL(request.url).pathname !== "/good.raucb")
          return new Response("not here", { status: 404 });
        bundleDownloads++;
        return new Response(Bun.file(GOOD_BUNDLE));
      },
    });
    const hasher = new Bun.CryptoHasher("sha256");
    for await (const chunk of Bun.file(GOOD_BUNDLE).stream()) hasher.update(chunk);
    goodBundleSha256 = hasher.digest("hex");
    goodBundleUrl = `http://10.0.2.2:${bundleServer.port}/good.raucb`;
    inventory = writeInventory("cam1");
    fleetVars = writeFleetVars();
  }, 1_200_000);

  afterAll(async () => {
    bundleServer?.stop(true);
    figures.total_seconds = Number(((performance.now() - suiteStarted) / 1000).toFixed(1));
    figures.guests_cpu_seconds = Number(guestsCpuSeconds().toFixed(1));
    await Promise.all([...vms.values()].map((each) => each.stop()));
    writeFileSync(join(ARTIFACTS, "fleet.json"), `${JSON.stringify(figures, null, 2)}\n`);
  });

  test(
    "provision.yml under --check --diff changes nothing on new hosts, then brings every host to ready; a second run changes nothing",
    async () => {
      // What a site runs first on new boxes (docs/fleet.md): it reports what a run would do and
      // changes nothing, where there is most to change. deb1 has no agent yet, so the installer
      // cannot dry-run there; the image hosts would take a new config and a restart. Each
      // host's boot is finished first, so an agent still starting is not taken for a restart.
      const untouched = async () =>
        Promise.all(
          HOSTS.map(async (host) => ({
            host,
            state: await vm(host).sh(
              "timeout 300 systemctl is-system-running --wait >/dev/null;" +
                " cat /proc/sys/kernel/random/boot_id; ls -d /var/lib/camera-fleet /usr/bin/camera-agent 2>&1;" +
                " sha256sum /etc/camera-agent/config.yaml 2>&1;" +
                " systemctl show -P InvocationID camera-agent.service",
              330_000,
            ),
          })),
        );
      const fresh = await untouched();
      const checked = await playbook("provision-check", "provision.yml", ["--check", "--diff"]);
      expectSuccess(checked);
      for (const host of HOSTS) expect(checked.recap.get(host)?.changed).toBeGreaterThan(0);
      expect(checked.output).toContain("+  warn_percent: 75");
      expect(await untouched()).toEqual(fresh);
      expect(fresh.find(({ host }) => host === "deb1")?.state).toContain(
        "ls: cannot access '/usr/bin/camera-agent'",
      );

      const first = await playbook("provision", "provision.yml");
      expectSuccess(first);
      // The installer put the agent on the Debian guest; every host took the fleet's config.
      expect(first.recap.get("deb1")?.changed).toBeGreaterThan(0);
      await eachHost(HOSTS, async (host) => {
        expect((await health(host, "/health/ready")).status).toBe(200);
        expect(await vm(host).sh("grep -c 'warn_percent: 75' /etc/camera-agent/config.yaml")).toBe(
          "1\n",
        );
      });
      expect(await runningVersion("deb1")).toBe(FACTORY_VERSION);
      expect(
        (await vm("deb1").sh("systemctl is-enabled camera-agent camera-agent-backup.timer")).trim(),
      ).toBe("enabled\nenabled");

      const second = await playbook("provision-again", "provision.yml");
      expectSuccess(second);
      for (const host of HOSTS) {
        expect({ host, changed: second.recap.get(host)?.changed }).toEqual({ host, changed: 0 });
      }
      // The image's Python kept the compiled code of those module runs, private to root
      // (docs/fleet.md#on-the-device).
      await eachHost(IMAGE_HOSTS, async (host) => {
        const cache = "/var/cache/camera-appliance/ansible-bytecode";
        const [mode, entries] = (
          await vm(host).sh(`stat -c '%a %U' ${cache}; ls ${cache} | wc -l`)
        ).split("\n");
        expect(mode).toBe("700 root");
        expect(Number(entries)).toBeGreaterThan(20);
      });
    },
    PLAYBOOK_TIMEOUT_MS,
  );

  test(
    "status.yml reports each host's versions, slot, cameras and health",
    async () => {
      expectSuccess(await playbook("status", "status.yml"));
      const report = JSON.parse(readFileSync(join(WORK, "status.json"), "utf8")) as {
        host: string;
        kind: string;
        agent_version: string;
        booted_slot: string;
        cameras: Record<string, string>;
      }[];
      expect(report.map((entry) => entry.host).sort()).toEqual([...HOSTS].sort());
      for (const entry of report) {
        expect(entry.agent_version).toBe(FACTORY_VERSION);
        expect(entry.kind).toBe(IMAGE_HOSTS.includes(entry.host) ? "image" : "installer");
        if (entry.kind === "image") expect(entry.booted_slot).toBe("root-a");
        // Every status has its series, so the report always names them.
        expect(Object.keys(entry.cameras).sort()).toEqual(["CONNECTED", "DISCONNECTED", "ERROR"]);
      }
    },
    PLAYBOOK_TIMEOUT_MS,
  );

  test(
    "keys.yml creates a key that authenticates on every host, kept only in the vault, and revokes it everywhere",
    async () => {
      const name = ["-e", "camera_fleet_key_name=fleet-vms"];
      const created = await playbook("keys-create", "keys.yml", [
        "-e",
        "camera_fleet_keys_action=create",
        ...name,
        "-e",
        "camera_fleet_key_role=viewer",
      ]);
      expectSuccess(created);
      const vault = join(WORK, "keys", "fleet-vms.vault.yml");
      expect(readFileSync(vault, "utf8")).toStartWith("$ANSIBLE_VAULT;1.1;AES256");
      const opened = Bun.spawnSync(["ansible-vault", "view", vault], {
        env: { ...process.env, ANSIBLE_VAULT_PASSWORD_FILE: join(WORK, "vault-password") },
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(opened.exitCode).toBe(0);
      const keys = new Map(
        [...opened.stdout.toString().matchAll(/^ {4}(\w+): (csk_\S+)$/gm)].map((m) => [
          m[1] ?? "",
          m[2] ?? "",
        ]),
      );
      expect([...keys.keys()].sort()).toEqual([...HOSTS].sort());
      await eachHost([...keys.keys()], async (host) => {
        const key = keys.get(host) ?? "";
        // Never in the playbook's output.
        expect(created.output).not.toContain(key);
        await withSession(host, async (client) => {
          const reply = await client.authenticate(key);
          expect({ host, error: reply.error }).toEqual({ host, error: undefined });
          expect(await client.result("get_camera_list", {})).toBeDefined();
        });
      });

      // A second create under the same name is refused before any host makes a key.
      const again = await playbook("keys-create-again", "keys.yml", [
        "-e",
        "camera_fleet_keys_action=create",
        ...name,
      ]);
      expect(again.code).not.toBe(0);
      expect(again.output).toContain("fleet-vms.vault.yml exists");

      const revoked = await playbook("keys-revoke", "keys.yml", [
        "-e",
        "camera_fleet_keys_action=revoke",
        ...name,
      ]);
      expectSuccess(revoked);
      await eachHost([...keys.keys()], async (host) => {
        expect(revoked.recap.get(host)?.changed).toBe(1);
        await withSession(host, async (client) => {
          expect((await client.authenticate(keys.get(host) ?? "")).error?.code).toBe(-32001);
        });
      });
    },
    PLAYBOOK_TIMEOUT_MS,
  );

  test(
    "backup.yml fetches an archive of every host that camera-agent backup verify accepts",
    async () => {
      expectSuccess(await playbook("backup", "backup.yml"));
      for (const host of HOSTS) {
        const dates = readdirSync(join(WORK, "backups", host));
        expect(dates).toHaveLength(1);
        const dir = join(WORK, "backups", host, dates[0] ?? "");
        const archives = readdirSync(dir);
        expect(archives).toHaveLength(1);
        const verified = Bun.spawnSync(
          [
            join(REPO, "dist/camera-agent-linux-x64"),
            "backup",
            "verify",
            join(dir, archives[0] ?? ""),
          ],
          { stdout: "pipe", stderr: "pipe" },
        );
        expect({ host, code: verified.exitCode, stderr: verified.stderr.toString() }).toEqual({
          host,
          code: 0,
          stderr: expect.any(String),
        });
      }
    },
    PLAYBOOK_TIMEOUT_MS,
  );

  test(
    "update.yml: a good release goes through every host, canary first, then 25 %, then the rest",
    async () => {
      const binaries = join(WORK, "release-good");
      mkdirSync(binaries, { recursive: true });
      buildAgentRelease(join(binaries, "camera-agent-linux-x64"), GOOD_VERSION);
      // The Debian guest is the canary: it updates in seconds, the image guests in minutes.
      inventory = writeInventory("deb1");
      const run = await playbook("update-good", "update.yml", [
        "-e",
        JSON.stringify({
          camera_fleet_update_version: GOOD_VERSION,
          camera_fleet_update_binaries_dir: binaries,
        }),
      ]);
      expectSuccess(run);
      expect(batches(run.output)).toEqual([["deb1"], ["cam1"], ["cam2", "cam3"]]);
      // Each image host downloaded the bundle once and checked its pin; none was sent a copy.
      expect(bundleDownloads).toBe(IMAGE_HOSTS.length);
      expect(taskResults(run.output, "Copy the bundle to the host")).toEqual(
        IMAGE_HOSTS.map((host) => `skipping: [${host}]`),
      );
      expect(await runningVersion("deb1")).toBe(GOOD_VERSION);
      await eachHost(IMAGE_HOSTS, async (host) => {
        const status = await updateStatus(host);
        expect({
          host,
          booted: status.booted_slot,
          next: status.next_boot_slot,
          trial: status.trial_pending,
          system: bootedVersion(status),
        }).toEqual({
          host,
          booted: "root-b",
          next: "root-b",
          trial: null,
          system: GOOD_VERSION,
        });
        expect((await health(host, "/health/ready")).status).toBe(200);
      });
    },
    PLAYBOOK_TIMEOUT_MS,
  );

  test(
    "update.yml: a bad release stops at its canary, an installer host or an image host, which the rescue puts back; no other host is touched",
    async () => {
      // Two rollouts at once, each on its own canary with the same two untouched hosts (the
      // installer host's mostly waits on its agent, the image host's on the emulator):
      // - to deb1, the next release, which migrates the database, then never starts
      //   (tests/support/next-release-agent.ts): install.sh's restart fails;
      // - to cam1, a bundle holding another version than the release's name (a wrong build),
      //   sent by the play (its copy path): RAUC writes it into the other slot and arms its
      //   trial, and the install script, finding another version there than the release's,
      //   marks that slot bad before anything boots it; the rescue finds the old slot booted
      //   with nothing armed, and checks it is committed and ready.
      const binaries = join(WORK, "release-bad");
      mkdirSync(binaries, { recursive: true });
      buildNextReleaseAgent(join(binaries, "camera-agent-linux-x64"), BAD_VERSION);
      const before = await fingerprints(HOSTS);
      const [installer, image] = await Promise.all([
        playbook(
          "update-bad",
          "update.yml",
          [
            "--limit",
            "deb1:cam2:cam3",
            "-e",
            JSON.stringify({
              camera_fleet_update_version: BAD_VERSION,
              camera_fleet_update_binaries_dir: binaries,
            }),
          ],
          writeInventory("deb1", "hosts-canary-deb1.yml"),
        ),
        playbook(
          "update-mislabelled",
          "update.yml",
          [
            "--limit",
            "cam1:cam2:cam3",
            "-e",
            JSON.stringify({
              camera_fleet_update_version: MISLABELLED_VERSION,
              camera_fleet_update_bundles: { "x86-64": mislabelledBundle },
              camera_fleet_update_sha256: {},
              camera_fleet_update_binaries_dir: join(WORK, "release-good"),
            }),
          ],
          writeInventory("cam1", "hosts-canary-cam1.yml"),
        ),
      ]);
      for (const [run, canary] of [
        [installer, "deb1"],
        [image, "cam1"],
      ] as const) {
        expect({ canary, code: run.code }).not.toEqual({ canary, code: 0 });
        // One batch only: the canary's. It failed after its rescue ran.
        expect(batches(run.output)).toEqual([[canary]]);
        expect(run.recap.get(canary)).toMatchObject({ failed: 1, rescued: 1, unreachable: 0 });
        expect(run.output).toContain("No further hosts are updated");
        for (const host of ["cam2", "cam3"]) expect(run.recap.has(host)).toBe(false);
      }
      // Same boot and versions everywhere: each canary is back on what it ran (deb1 without a
      // reboot, cam1 on the same boot of root-b), and cam2 and cam3 were never touched.
      expect(await fingerprints(HOSTS)).toEqual(before);

      // deb1: the bad release really ran, the installer stopped it rather than leave it
      // restarting, and the old one is back, ready, without a reboot.
      expect(await vm("deb1").sh("journalctl -u camera-agent --no-pager -o cat")).toContain(
        "fails to start after migrating its database",
      );
      expect(installer.output).toContain(
        "camera-agent did not start, so it was stopped: see journalctl -u camera-agent; the binary it replaced is kept at /var/lib/camera-fleet/previous-camera-agent",
      );
      expect(await runningVersion("deb1")).toBe(GOOD_VERSION);
      expect((await health("deb1", "/health/ready")).status).toBe(200);

      // cam1: RAUC wrote the wrong build into root-a, which was marked bad before any reboot;
      // the same boot of root-b runs on, committed, its agent ready, nothing left over.
      expect(image.output).toContain(
        `system version: root-a holds ${GOOD_VERSION}, expected ${MISLABELLED_VERSION}; marked bad`,
      );
      expect(
        taskResults(
          image.output,
          "Reboot into the new slot (a one-time trial) and wait for the gate's verdict",
        ),
      ).toEqual([]);
      const status = await updateStatus("cam1");
      expect({
        booted: status.booted_slot,
        next: status.next_boot_slot,
        trial: status.trial_pending,
        written: status.slots.find((slot) => slot.name === "root-a")?.version,
      }).toEqual({ booted: "root-b", next: "root-b", trial: null, written: GOOD_VERSION });
      expect(taskResults(image.output, "Copy the bundle to the host")).toEqual(["changed: [cam1]"]);
      expect(taskResults(image.output, "Remove the copied bundle")).toEqual(["changed: [cam1]"]);
      expect(await vm("cam1").sh("cat /var/lib/camera-update/slots")).toBe(
        "root-a=bad\nroot-b=good\n",
      );
      expect((await health("cam1", "/health/ready")).status).toBe(200);
      expect(await vm("cam1").sh("ls -A /var/lib/camera-fleet/bundles /var/tmp")).not.toContain(
        ".raucb",
      );
    },
    PLAYBOOK_TIMEOUT_MS,
  );
});
