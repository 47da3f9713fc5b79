// The Raspberry Pi bundle's install hook (image/ota/hook-rpi-arm64), run on the host the way
// RAUC runs it after writing a root slot: a bundle directory standing in for RAUC's mount of
// it, and a directory standing in for the slot's boot partition (on the device: boot-a or
// boot-b, mounted by the hook). The real bundle built from the image is checked by
// tests/e2e/bundle-rpi-arm64.test.ts.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const REPO = join(import.meta.dir, "../..");
const HOOK = join(REPO, "image/ota/hook-rpi-arm64");
const AUTOBOOT = join(REPO, "image/boards/rpi-arm64/firmware/autoboot.txt");
const BOOT_FILES = ["config.txt", "vmlinuz", "initrd.img", "start4.elf", "fixup4.dat"];
let work = "";
let bundle = "";
let partition = "";

function hook(
  slot: string,
  event = "slot-post-install",
  slotClass = "rootfs",
): { code: number; stdout: string; stderr: string } {
  const result = Bun.spawnSync(["sh", HOOK, event], {
    env: {
      PATH: process.env.PATH ?? "/usr/bin:/bin",
      RAUC_SLOT_CLASS: slotClass,
      RAUC_SLOT_BOOTNAME: slot,
      RAUC_BUNDLE_MOUNT_POINT: bundle,
      BOOT_PARTITION_DIR: partition,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  return {
    code: result.exitCode ?? -1,
    stdout: result.stdout.toString().trim(),
    stderr: result.stderr.toString().trim(),
  };
}

const read = (dir: string, name: string) => readFileSync(join(dir, name), "utf8");

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "hook-rpi-"));
  bundle = join(work, "bundle");
  partition = join(work, "boot-partition");
  mkdirSync(join(bundle, "boot"), { recursive: true });
  mkdirSync(partition);
  for (const name of [...BOOT_FILES, "bcm2711-rpi-4-b.dtb"]) {
    writeFileSync(join(bundle, "boot", name), `new ${name}\n`);
  }
  for (const slot of ["root-a", "root-b"]) {
    writeFileSync(
      join(bundle, `cmdline-${slot}.txt`),
      `root=PARTLABEL=${slot} rauc.slot=${slot}\n`,
    );
  }
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

describe("Raspberry Pi bundle hook", () => {
  test("installing root-b fills boot-b with the bundle's boot files and root-b's command line", () => {
    const result = hook("root-b");
    expect(result.stderr).toBe("");
    expect(result.code).toBe(0);
    expect(result.stdout).toBe("hook-rpi-arm64: installed the boot files of root-b in boot-b");
    expect(readdirSync(partition).sort()).toEqual(
      [...BOOT_FILES, "bcm2711-rpi-4-b.dtb", "cmdline.txt"].sort(),
    );
    expect(read(partition, "vmlinuz")).toBe("new vmlinuz\n");
    expect(read(partition, "cmdline.txt")).toBe("root=PARTLABEL=root-b rauc.slot=root-b\n");
  });

  test("installing root-a replaces boot-a's files, drops what the new version lacks, and never touches autoboot.txt", () => {
    copyFileSync(AUTOBOOT, join(partition, "autoboot.txt"));
    for (const name of [...BOOT_FILES, "cmdline.txt", "bcm2711-old-kernel.dtb"]) {
      writeFileSync(join(partition, name), `old ${name}\n`);
    }
    expect(hook("root-a").code).toBe(0);
    expect(read(partition, "autoboot.txt")).toBe(readFileSync(AUTOBOOT, "utf8"));
    expect(read(partition, "config.txt")).toBe("new config.txt\n");
    expect(read(partition, "cmdline.txt")).toBe("root=PARTLABEL=root-a rauc.slot=root-a\n");
    expect(existsSync(join(partition, "bcm2711-old-kernel.dtb"))).toBe(false);
    expect(readdirSync(partition).filter((name) => name.endsWith(".new"))).toEqual([]);
  });

  test("only after a root slot is written: other events and slot classes do nothing", () => {
    expect(hook("root-b", "slot-pre-install").code).toBe(0);
    expect(hook("root-b", "install-check").code).toBe(0);
    expect(hook("root-b", "slot-post-install", "appfs").code).toBe(0);
    expect(readdirSync(partition)).toEqual([]);
  });

  test("a bundle without what a Pi needs to boot is refused before anything is written", () => {
    rmSync(join(bundle, "boot/start4.elf"));
    const missing = hook("root-b");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe("hook-rpi-arm64: the bundle's boot files lack start4.elf");
    expect(readdirSync(partition)).toEqual([]);

    writeFileSync(join(bundle, "boot/start4.elf"), "new start4.elf\n");
    rmSync(join(bundle, "cmdline-root-b.txt"));
    expect(hook("root-b").stderr).toBe(
      "hook-rpi-arm64: the bundle has no kernel command line for root-b",
    );
    rmSync(join(bundle, "boot"), { recursive: true });
    expect(hook("root-a").stderr).toMatch(/^hook-rpi-arm64: the bundle has no boot files/);
    expect(hook("root-c").stderr).toBe("hook-rpi-arm64: no boot partition for slot root-c");
    expect(readdirSync(partition)).toEqual([]);
  });

  test("a bundle that carries autoboot.txt is refused: only the boot backend picks the boot partition", () => {
    copyFileSync(AUTOBOOT, join(partition, "autoboot.txt"));
    writeFileSync(join(bundle, "boot/autoboot.txt"), "[all]\nboot_partition=2\n");
    const result = hook("root-a");
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      "hook-rpi-arm64: the bundle's boot files must not carry autoboot.txt",
    );
    expect(read(partition, "autoboot.txt")).toBe(readFileSync(AUTOBOOT, "utf8"));
  });
});
