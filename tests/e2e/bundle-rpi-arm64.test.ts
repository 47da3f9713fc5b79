// The Raspberry Pi update bundle made by image/bundle from the built rpi-arm64 image: signed by
// the test CA, accepted by RAUC under the Pi's own system.conf, holding the root file system,
// the boot partition's files and each slot's command line, and its hook applied to a copy of
// the image's real boot partition. No Pi firmware can be emulated here, so no tryboot of it is
// booted: the backend's side is tests/unit/update-boot-tryboot.test.ts (docs/update.md).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const REPO = join(import.meta.dir, "../..");
const BUNDLE = join(REPO, "tests/.tmp/bundles/rpi-arm64.raucb");
const RAW = join(REPO, "image/out/rpi-arm64/camera-appliance.raw");
const CA = join(REPO, "tests/.tmp/update-pki/ca.cert.pem");
const SYSTEM_CONF = join(REPO, "image/boards/rpi-arm64/rauc-system.conf");
let work = "";
let extracted = "";

function sh(command: string[], env: Record<string, string> = {}): string {
  const result = Bun.spawnSync(command, {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env },
    stdout: "pipe",
    stderr: "pipe",
  });
  if (result.exitCode !== 0) {
    throw new Error(`${command.join(" ")} failed:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout.toString();
}

/** The image's boot-a partition: its offset in bytes, for mtools. */
function bootA(): string {
  const [start] = sh(["partx", "--show", "--noheadings", "--output", "START,NAME", RAW])
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, name]) => name === "boot-a")
    .map(([sectors]) => Number(sectors) * 512);
  if (start === undefined) throw new Error(`${RAW} has no boot-a partition`);
  return `${RAW}@@${start}`;
}

beforeAll(() => {
  if (!existsSync(BUNDLE)) throw new Error(`no bundle at ${BUNDLE}: the bundle stage failed`);
  work = mkdtempSync(join(tmpdir(), "bundle-rpi-"));
  extracted = join(work, "bundle");
  sh(["rauc", `--keyring=${CA}`, "extract", BUNDLE, extracted]);
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("Raspberry Pi update bundle", () => {
  test("signed by the release CA and accepted under the Pi's system.conf: its compatible, one root image with the install hook", () => {
    const info = JSON.parse(
      sh([
        "rauc",
        `--conf=${SYSTEM_CONF}`,
        `--keyring=${CA}`,
        "info",
        "--output-format=json",
        BUNDLE,
      ]),
    ) as {
      compatible: string;
      version: string;
      images: Array<Record<string, { filename: string; hooks: string[] }>>;
    };
    expect(readFileSync(SYSTEM_CONF, "utf8")).toContain(`compatible=${info.compatible}`);
    expect(info.compatible).toBe("camera-appliance-rpi-arm64");
    expect(info.version).toBe("2.0.0-test");
    expect(info.images).toEqual([
      { rootfs: expect.objectContaining({ filename: "root.img", hooks: ["post-install"] }) },
    ]);
  });

  test("holds the boot partition's files without autoboot.txt, and each slot's command line from the template", () => {
    const boot = readdirSync(join(extracted, "boot"));
    for (const name of [
      "config.txt",
      "vmlinuz",
      "initrd.img",
      "start4.elf",
      "fixup4.dat",
      "bootcode.bin",
      "bcm2711-rpi-4-b.dtb",
      "bcm2837-rpi-3-b.dtb",
    ]) {
      expect(boot).toContain(name);
    }
    expect(boot).not.toContain("autoboot.txt");
    expect(boot).not.toContain("cmdline.txt");
    for (const slot of ["root-a", "root-b"]) {
      const line = readFileSync(join(extracted, `cmdline-${slot}.txt`), "utf8");
      expect(line).toBe(sh(["image/boot/slot-boot", "cmdline", "rpi-arm64", slot]));
      expect(line).toContain(`root=PARTLABEL=${slot} `);
      expect(line).toContain(`rauc.slot=${slot} `);
    }
    // The root file system is the image's, with the Pi's RAUC config and the arm64 agent.
    const listing = (dir: string) =>
      sh(["dump.erofs", "--ls", `--path=${dir}`, join(extracted, "root.img")])
        .split("\n")
        .map((line) => line.trim().split(/\s+/).at(-1));
    expect(listing("/etc/rauc")).toEqual(expect.arrayContaining(["system.conf", "keyring.pem"]));
    expect(listing("/usr/bin")).toContain("camera-agent");
  });

  test("its hook, applied to a copy of the image's boot-a, installs root-a's boot files and keeps autoboot.txt", () => {
    const partition = join(work, "boot-a");
    mkdirSync(partition);
    sh(["mcopy", "-s", "-p", "-n", "-i", bootA(), "::/*", `${partition}/`]);
    const autoboot = readFileSync(join(partition, "autoboot.txt"), "utf8");
    const output = sh(["sh", join(extracted, "hook"), "slot-post-install"], {
      RAUC_SLOT_CLASS: "rootfs",
      RAUC_SLOT_BOOTNAME: "root-a",
      RAUC_BUNDLE_MOUNT_POINT: extracted,
      BOOT_PARTITION_DIR: partition,
    });
    expect(output).toContain("installed the boot files of root-a in boot-a");
    expect(readFileSync(join(partition, "autoboot.txt"), "utf8")).toBe(autoboot);
    expect(readFileSync(join(partition, "cmdline.txt"), "utf8")).toBe(
      readFileSync(join(extracted, "cmdline-root-a.txt"), "utf8"),
    );
    expect(readdirSync(partition).sort()).toEqual(
      [...readdirSync(join(extracted, "boot")), "autoboot.txt", "cmdline.txt"].sort(),
    );
  });
});
