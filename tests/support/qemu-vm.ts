// Boots a built appliance image in QEMU (TCG: no KVM on CI) with the API, health and SSH
// ports forwarded to loopback. The disk is a copy-on-write overlay, so the built image stays
// untouched, and the serial console goes to a log file kept as a test artifact.
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import type { Subprocess } from "bun";
import { freePort } from "./test-agent.ts";

export const ARTIFACTS = join(import.meta.dir, "..", ".tmp", "artifacts");
/** The key the test run's images let in as root (scripts/test.ts makes it, image/build bakes it in). */
export const IMAGE_SSH_KEY = join(import.meta.dir, "..", ".tmp", "image-ssh", "id_ed25519");

export interface VmOptions {
  /** Names the console log (<name>-console.log) in ARTIFACTS. */
  name: string;
  arch: "x86-64" | "arm64";
  /** Raw disk image; the VM writes to an overlay of it. */
  disk: string;
  /** The overlay's size: the data partition grows into it on first boot. */
  diskSize: string;
  sshKey: string;
  /** Direct kernel boot (arm64 virt), instead of UEFI firmware from the disk. */
  kernel?: { image: string; initrd: string; append: string };
  memoryMiB?: number;
  /** vCPUs (2 unless given). */
  cpus?: number;
  /**
   * One host thread for all vCPUs (TCG). Multi-threaded TCG sometimes loses the guest's timer
   * interrupts early in a boot (RCU stalls, then no progress at all): rare per boot, but a
   * test that reboots a dozen times would hit it.
   */
  singleThreadTcg?: boolean;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

function qemuCommand(
  options: VmOptions,
  overlay: string,
  vars: string,
  forwards: string,
): string[] {
  const common = [
    "-m",
    String(options.memoryMiB ?? 1024),
    "-smp",
    String(options.cpus ?? 2),
    "-nographic",
    "-nodefaults",
    "-drive",
    `if=virtio,format=qcow2,file=${overlay}`,
    "-netdev",
    `user,id=net0,${forwards}`,
    "-device",
    "virtio-net-pci,netdev=net0",
    "-device",
    "virtio-rng-pci",
  ];
  const accel = process.env.QEMU_ACCEL ?? "tcg";
  if (options.arch === "x86-64") {
    return [
      "qemu-system-x86_64",
      "-machine",
      "q35",
      "-accel",
      accel === "tcg" && options.singleThreadTcg ? "tcg,thread=single" : accel,
      // The default qemu64 model lacks SSE4.2, which even Bun's baseline build needs. Without
      // ERMS and FSRM: TCG runs `rep movsb`/`rep stosb` one byte per step, and with those
      // flags the guest's kernel and glibc copy and clear memory that way. Booted side by side,
      // twice, the guest without them needed 9-19 % less CPU to boot to ready and 11-22 % less
      // for the same commands (docs/development.md).
      "-cpu",
      accel === "kvm" ? "host" : "max,erms=off,fsrm=off",
      "-drive",
      "if=pflash,format=raw,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
      "-drive",
      `if=pflash,format=raw,file=${vars}`,
      // The hardware watchdog is q35's own, the ICH9 chipset's TCO timer (iTCO_wdt), as on an
      // Intel board: systemd arms it (RuntimeWatchdogSec) and a hung guest is reset. Only one:
      // with an i6300esb beside it, which of the two became watchdog0 (the one PID 1 arms)
      // depended on which driver finished probing first (a fresh clone of 2e6e0d3 got iTCO_wdt).
      "-action",
      "watchdog=reset",
      ...common,
    ];
  }
  if (!options.kernel) throw new Error("arm64 VMs boot a kernel directly: pass kernel");
  return [
    "qemu-system-aarch64",
    "-machine",
    "virt",
    "-accel",
    "tcg",
    "-cpu",
    "cortex-a72",
    "-kernel",
    options.kernel.image,
    "-initrd",
    options.kernel.initrd,
    "-append",
    options.kernel.append,
    ...common,
  ];
}

export class QemuVm {
  startedAt = performance.now();
  private exited = false;
  private process: Subprocess;
  private launches = 0;
  consoleLog = "";

  private constructor(
    private readonly options: VmOptions,
    private readonly work: string,
    private readonly overlay: string,
    private readonly vars: string,
    readonly ports: { ssh: number; api: number; health: number },
  ) {
    this.process = this.launch();
  }

  /** Powers the machine on: QEMU on the same disk overlay and EFI variables as before. */
  private launch(): Subprocess {
    this.launches += 1;
    const suffix = this.launches === 1 ? "" : `-${this.launches}`;
    this.consoleLog = join(ARTIFACTS, `${this.options.name}${suffix}-console.log`);
    const forwards = [
      `hostfwd=tcp:127.0.0.1:${this.ports.ssh}-:22`,
      `hostfwd=tcp:127.0.0.1:${this.ports.api}-:8002`,
      `hostfwd=tcp:127.0.0.1:${this.ports.health}-:8003`,
    ].join(",");
    const command = [
      // SCHED_BATCH: a waking emulator thread no longer preempts another guest's running vCPU
      // (only the test, Ansible and SSH do), so each emulator runs longer between switches.
      // Four idle image guests running one fixed workload at once (Python starts, agent CLI
      // starts, hashing, systemd reloads), alternating the policy: 46-51 s and 1 900-2 000
      // context switches a second against 50-71 s and 4 500-4 700 (docs/development.md).
      "chrt",
      "--batch",
      "0",
      ...qemuCommand(this.options, this.overlay, this.vars, forwards),
      "-serial",
      `file:${this.consoleLog}`,
    ];
    const child = Bun.spawn(command, {
      stdout: "ignore",
      stderr: Bun.file(join(ARTIFACTS, `${this.options.name}${suffix}-qemu.log`)),
    });
    this.exited = false;
    this.startedAt = performance.now();
    void child.exited.then(() => {
      if (this.process === child) this.exited = true;
    });
    return child;
  }

  /** Pulls the plug: QEMU is killed mid-whatever, the disk keeps what reached it. */
  async powerCut(): Promise<void> {
    this.process.kill("SIGKILL");
    await this.process.exited;
  }

  /** Powers on again after a power cut. */
  powerOn(): void {
    this.process = this.launch();
  }

  /** This boot's id: a new one after every reboot. */
  async bootId(): Promise<string> {
    return (await this.sh("cat /proc/sys/kernel/random/boot_id")).trim();
  }

  /** Waits for SSH on a boot other than `previous`. */
  async waitForNewBoot(previous: string, timeoutMs: number): Promise<string> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.exited) throw new Error(`QEMU exited; console: ${this.consoleLog}`);
      const result = await this.ssh("cat /proc/sys/kernel/random/boot_id", 10_000);
      const id = result.stdout.trim();
      if (result.code === 0 && id !== previous) return id;
      await Bun.sleep(2000);
    }
    throw new Error(`no new boot within ${timeoutMs / 1000} s; console: ${this.consoleLog}`);
  }

  static async start(options: VmOptions): Promise<QemuVm> {
    mkdirSync(ARTIFACTS, { recursive: true });
    const work = mkdtempSync(join(tmpdir(), `vm-${options.name}-`));
    const overlay = join(work, "disk.qcow2");
    const made = Bun.spawnSync(
      [
        "qemu-img",
        "create",
        "-q",
        "-f",
        "qcow2",
        "-b",
        options.disk,
        "-F",
        "raw",
        overlay,
        options.diskSize,
      ],
      { stderr: "pipe" },
    );
    if (made.exitCode !== 0) throw new Error(`qemu-img: ${made.stderr.toString()}`);
    const vars = join(work, "efi-vars.fd");
    if (options.arch === "x86-64") copyFileSync("/usr/share/OVMF/OVMF_VARS_4M.fd", vars);
    const ports = { ssh: freePort(), api: freePort(), health: freePort() };
    return new QemuVm(options, work, overlay, vars, ports);
  }

  /**
   * CPU seconds the emulator has used since power-on (all its threads, user and system): what
   * the guest's work cost the host, whatever else the host was doing meanwhile. NaN once the
   * emulator is gone: a figure for the record, which must not hide why the guest went.
   */
  cpuSeconds(): number {
    let stat: string;
    try {
      stat = readFileSync(`/proc/${this.process.pid}/stat`, "utf8");
    } catch {
      return Number.NaN;
    }
    // utime and stime, the 14th and 15th fields; the command name before them (in parentheses)
    // may hold spaces. In clock ticks, which Linux fixes at 100 a second for user space.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100;
  }

  /** Seconds since power-on. */
  get uptimeSeconds(): number {
    return (performance.now() - this.startedAt) / 1000;
  }

  /** Runs a command in the guest as root over SSH. */
  async ssh(
    command: string,
    timeoutMs = 60_000,
    stdin: Blob | "ignore" = "ignore",
  ): Promise<CommandResult> {
    const child = Bun.spawn(
      [
        "ssh",
        "-q",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=no",
        "-o",
        "UserKnownHostsFile=/dev/null",
        "-o",
        "ConnectTimeout=5",
        "-i",
        this.options.sshKey,
        "-p",
        String(this.ports.ssh),
        "root@127.0.0.1",
        command,
      ],
      { stdin, stdout: "pipe", stderr: "pipe", timeout: timeoutMs },
    );
    const [stdout, stderr, code] = await Promise.all([
      new Response(child.stdout).text(),
      new Response(child.stderr).text(),
      child.exited,
    ]);
    return { code, stdout, stderr };
  }

  /** Like ssh(), but fails with the command's output unless it exits 0. */
  async sh(command: string, timeoutMs?: number, stdin?: Blob): Promise<string> {
    const result = await this.ssh(command, timeoutMs, stdin);
    if (result.code !== 0) {
      throw new Error(
        `guest command failed (${result.code}): ${command}\n${result.stdout}${result.stderr}`,
      );
    }
    return result.stdout;
  }

  /** Copies a host file into the guest (mode kept) over SSH. */
  async upload(from: string, to: string): Promise<void> {
    await this.sh(
      `cat > '${to}' && chmod ${(statSync(from).mode & 0o777).toString(8)} '${to}'`,
      300_000,
      Bun.file(from),
    );
  }

  /** Copies a host directory tree into the guest. */
  async uploadTree(from: string, to: string): Promise<void> {
    await this.sh(`mkdir -p '${to}'`);
    for (const entry of readdirSync(from, { withFileTypes: true, recursive: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      const target = join(to, relative(from, path));
      await this.sh(`mkdir -p '${dirname(target)}'`);
      await this.upload(path, target);
    }
  }

  /** Polls the forwarded health port until `path` answers 200; returns seconds since power-on. */
  async waitForHealth(path: string, timeoutMs: number): Promise<number> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.exited) throw new Error(`QEMU exited; console: ${this.consoleLog}`);
      try {
        const response = await fetch(`http://127.0.0.1:${this.ports.health}${path}`, {
          signal: AbortSignal.timeout(3000),
        });
        if (response.status === 200) return this.uptimeSeconds;
      } catch {
        // not up yet
      }
      await Bun.sleep(1000);
    }
    throw new Error(
      `${path} did not answer 200 within ${timeoutMs / 1000} s; console: ${this.consoleLog}`,
    );
  }

  /** Waits until SSH logins work. */
  async waitForSsh(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      if (this.exited) throw new Error(`QEMU exited; console: ${this.consoleLog}`);
      if ((await this.ssh("true", 10_000)).code === 0) return;
      await Bun.sleep(1000);
    }
    throw new Error(`no SSH login within ${timeoutMs / 1000} s; console: ${this.consoleLog}`);
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      this.process.kill("SIGTERM");
      await this.process.exited;
    }
    rmSync(this.work, { recursive: true, force: true });
  }
}
