// The built Raspberry Pi image (image/build rpi-arm64): its boot partition has everything the
// Pi 3/4 firmware reads, the partition table is what the firmware and the A/B scheme need,
// and its root boots far enough on QEMU's arm64 virt machine (direct kernel boot with the
// image's own kernel and initrd) for the arm64 agent to answer /health.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  closeSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ARTIFACTS, IMAGE_SSH_KEY, QemuVm } from "../support/qemu-vm.ts";
import { ukiCmdline } from "../support/uki.ts";

const DISK = join(import.meta.dir, "../../image/out/rpi-arm64/camera-appliance.raw");
const UKI = join(import.meta.dir, "../../image/out/rpi-arm64/camera-appliance.efi");
// Whole-system arm64 emulation on x86 is several times slower than x86 TCG.
const BOOT_TIMEOUT_MS = 600_000;
const work = mkdtempSync(join(tmpdir(), "image-arm64-"));
const figures: Record<string, number | string> = {};
let bootOffset = 0;

function run(command: string[]): string {
  const result = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) {
    throw new Error(`${command.join(" ")}: ${result.stderr.toString()}`);
  }
  return result.stdout.toString();
}

/** A file from boot slot A (FAT), read without mounting. */
function bootFile(name: string): string {
  const out = join(work, name);
  run(["mcopy", "-o", "-i", `${DISK}@@${bootOffset}`, `::${name}`, out]);
  return out;
}

interface PartitionTable {
  partitiontable: {
    label: string;
    partitions: Array<{ node: string; start: number; size: number; type: string; name?: string }>;
  };
}

beforeAll(() => {
  const gpt = JSON.parse(run(["sfdisk", "--json", DISK])) as PartitionTable;
  bootOffset = (gpt.partitiontable.partitions[0]?.start ?? 0) * 512;
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  writeFileSync(join(ARTIFACTS, "image-arm64.json"), `${JSON.stringify(figures, null, 2)}\n`);
  console.log(`image-arm64 figures: ${JSON.stringify(figures)}`);
});

describe("Raspberry Pi (arm64) image", () => {
  test("GPT slots by label, and a hybrid MBR whose first two entries are the FAT boot slots", () => {
    const gpt = JSON.parse(run(["sfdisk", "--json", DISK])) as PartitionTable;
    expect(gpt.partitiontable.label).toBe("gpt");
    expect(gpt.partitiontable.partitions.map((partition) => partition.name)).toEqual([
      "boot-a",
      "boot-b",
      "root-a",
      "root-b",
      "data",
    ]);
    const [bootA, bootB, rootA, rootB] = gpt.partitiontable.partitions;
    expect(rootB?.size).toBe(rootA?.size);
    expect(bootB?.size).toBe(bootA?.size);

    // MBR entries (Pi 3 firmware reads only these): 0x0c FAT32 at the GPT slots' sectors.
    const mbr = Buffer.alloc(512);
    const fd = openSync(DISK, "r");
    readSync(fd, mbr, 0, 512, 0);
    closeSync(fd);
    const entry = (index: number) => {
      const base = 446 + 16 * index;
      return { type: mbr[base + 4], start: mbr.readUInt32LE(base + 8) };
    };
    expect(entry(0)).toEqual({ type: 0x0c, start: bootA?.start ?? -1 });
    expect(entry(1)).toEqual({ type: 0x0c, start: bootB?.start ?? -1 });
    expect([entry(2).type, entry(3).type]).toContain(0xee);
  });

  test("boot slot A holds the Pi 3/4 firmware, device trees, kernel, initrd and tryboot config", () => {
    const listing = run(["mdir", "-b", "-i", `${DISK}@@${bootOffset}`, "::/"]);
    const files = new Set(listing.split("\n").map((line) => line.replace(/^::\//, "").trim()));
    for (const name of [
      "bootcode.bin",
      "start.elf",
      "fixup.dat",
      "start4.elf",
      "fixup4.dat",
      "bcm2837-rpi-3-b.dtb",
      "bcm2837-rpi-3-b-plus.dtb",
      "bcm2711-rpi-4-b.dtb",
      "vmlinuz",
      "initrd.img",
      "config.txt",
      "cmdline.txt",
      "autoboot.txt",
    ]) {
      expect(files).toContain(name);
    }
    const config = readFileSync(bootFile("config.txt"), "utf8");
    expect(config).toMatch(/^arm_64bit=1$/m);
    expect(config).toMatch(/^kernel=vmlinuz$/m);
    expect(config).toMatch(/^initramfs initrd\.img followkernel$/m);
    const cmdline = readFileSync(bootFile("cmdline.txt"), "utf8").trim();
    expect(cmdline).toMatch(/root=PARTLABEL=root-a rootfstype=erofs ro .*systemd\.firstboot=off/);
    // One console for the board, the same for the firmware's boot and a UEFI boot of the UKI.
    expect(cmdline).toContain("console=ttyS1,115200");
    expect(ukiCmdline(readFileSync(UKI)).text).toBe(cmdline);
    const autoboot = readFileSync(bootFile("autoboot.txt"), "utf8");
    expect(autoboot).toMatch(/^tryboot_a_b=1$/m);
    expect(autoboot).toMatch(
      /^\[all\]\ntryboot_a_b=1\nboot_partition=1\n\[tryboot\]\nboot_partition=2$/m,
    );
  });

  test(
    "the root boots on QEMU virt (cortex-a72) with the image's kernel and initrd; the arm64 agent answers /health",
    async () => {
      const cmdline = readFileSync(bootFile("cmdline.txt"), "utf8")
        .trim()
        .replace(/console=\S+/g, "")
        .concat(" console=ttyAMA0,115200");
      const vm = await QemuVm.start({
        name: "image-arm64",
        arch: "arm64",
        disk: DISK,
        diskSize: "6G",
        sshKey: IMAGE_SSH_KEY,
        kernel: { image: bootFile("vmlinuz"), initrd: bootFile("initrd.img"), append: cmdline },
        memoryMiB: 1536,
      });
      try {
        figures.boot_to_ready_seconds = Number(
          (await vm.waitForHealth("/health/ready", BOOT_TIMEOUT_MS)).toFixed(1),
        );
        const health = (await (
          await fetch(`http://127.0.0.1:${vm.ports.health}/health`)
        ).json()) as { status: string };
        expect(health.status).toBeDefined();
        await vm.waitForSsh(120_000);
        expect((await vm.sh("uname -m")).trim()).toBe("aarch64");
        expect(await vm.sh("camera-agent version")).toContain("architecture: arm64");
        expect((await vm.sh("ps -o user= -C camera-agent")).trim()).toBe("camera");
        expect(await vm.sh("findmnt -no OPTIONS /")).toMatch(/^ro\b/);
        const rssKiB = Number((await vm.sh("ps -o rss= -C camera-agent")).trim());
        figures.agent_rss_mib = Number((rssKiB / 1024).toFixed(1));
        figures.failed_units =
          (await vm.sh("systemctl --failed --no-legend --plain")).trim() || "none";
      } finally {
        await vm.stop();
      }
    },
    BOOT_TIMEOUT_MS + 300_000,
  );
});
