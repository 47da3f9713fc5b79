// The Raspberry Pi update boot backend (boot-tryboot), run on the host: the Pi firmware can't be
// emulated, so the test stands in for what it reads and reports: a boot partition directory
// with the image's autoboot.txt, the device tree's chosen/bootloader/{tryboot,partition}, the
// kernel command line, and the reboot parameter systemd hands the firmware.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const REPO = join(import.meta.dir, "../..");
const BACKEND = join(REPO, "image/mkosi.extra/usr/lib/camera-appliance/update/boot-tryboot");
let work = "";
let env: Record<string, string> = {};

function run(...args: string[]): { code: number; stdout: string; stderr: string } {
  const result = Bun.spawnSync(["sh", BACKEND, ...args], { env, stdout: "pipe", stderr: "pipe" });
  return {
    code: result.exitCode ?? -1,
    stdout: result.stdout.toString().trim(),
    stderr: result.stderr.toString().trim(),
  };
}

function ok(...args: string[]): string {
  const result = run(...args);
  if (result.code !== 0) throw new Error(`boot-tryboot ${args.join(" ")}: ${result.stderr}`);
  return result.stdout;
}

/** What the firmware reports, and the slot the kernel command line names. */
function booted(slot: "root-a" | "root-b", partition: number, tryboot: boolean): void {
  const number = (value: number) => {
    const bytes = Buffer.alloc(4);
    bytes.writeUInt32BE(value);
    return bytes;
  };
  writeFileSync(join(work, "firmware/partition"), number(partition));
  writeFileSync(join(work, "firmware/tryboot"), number(tryboot ? 1 : 0));
  writeFileSync(join(work, "cmdline"), `root=PARTLABEL=${slot} ro rauc.slot=${slot} quiet\n`);
}

/** autoboot.txt's boot_partition per section. */
function autoboot(): { all: string; tryboot: string } {
  const text = readFileSync(join(work, "boot/autoboot.txt"), "utf8");
  const [, all = ""] = /\[all\][^[]*boot_partition=(\d)/.exec(text) ?? [];
  const [, tryboot = ""] = /\[tryboot\][^[]*boot_partition=(\d)/.exec(text) ?? [];
  expect(text).toContain("tryboot_a_b=1");
  return { all, tryboot };
}

const rebootParam = () => join(work, "run/reboot-param");

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "tryboot-"));
  for (const dir of ["boot", "firmware", "state", "run"]) mkdirSync(join(work, dir));
  copyFileSync(
    join(REPO, "image/boards/rpi-arm64/firmware/autoboot.txt"),
    join(work, "boot/autoboot.txt"),
  );
  env = {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    BOOT_CONFIG_DIR: join(work, "boot"),
    FIRMWARE_INFO: join(work, "firmware"),
    REBOOT_PARAM: rebootParam(),
    UPDATE_STATE: join(work, "state"),
    PROC_CMDLINE: join(work, "cmdline"),
  };
  booted("root-a", 1, false);
});

afterEach(() => rmSync(work, { recursive: true, force: true }));

/** What RAUC does on an install into root-b: mark it bad, write it, make it primary. */
function installIntoB(): void {
  ok("set-state", "root-b", "bad");
  ok("set-primary", "root-b");
}

describe("Raspberry Pi boot backend (firmware tryboot)", () => {
  test("the factory image boots root-a; root-b, never installed, is bad", () => {
    expect(ok("get-primary")).toBe("root-a");
    expect(ok("get-state", "root-a")).toBe("good");
    expect(ok("get-state", "root-b")).toBe("bad");
    expect(existsSync(rebootParam())).toBe(false);
  });

  test("an install arms one tryboot of root-b and keeps root-a for every other boot", () => {
    installIntoB();
    expect(ok("get-primary")).toBe("root-b");
    expect(readFileSync(rebootParam(), "utf8").trim()).toBe("0 tryboot");
    expect(autoboot()).toEqual({ all: "1", tryboot: "2" });
    expect(readFileSync(join(work, "state/trial"), "utf8").trim()).toBe("root-b");
  });

  test("commit: after a tryboot of partition 2 the gate's mark-good makes root-b the normal boot", () => {
    installIntoB();
    booted("root-b", 2, true);
    ok("set-state", "root-b", "good");
    expect(autoboot()).toEqual({ all: "2", tryboot: "1" });
    expect(ok("get-primary")).toBe("root-b");
    expect(ok("get-state", "root-b")).toBe("good");
    expect(existsSync(rebootParam())).toBe(false);
    expect(existsSync(join(work, "state/trial"))).toBe(false);
    // A second commit of the committed slot changes nothing.
    ok("set-state", "root-b", "good");
    expect(autoboot()).toEqual({ all: "2", tryboot: "1" });
  });

  test("no commit unless the firmware really booted the slot's partition with the tryboot flag", () => {
    installIntoB();
    // The reboot lost the flag: the firmware started partition 1 although root-b was asked for.
    booted("root-b", 1, false);
    const refused = run("set-state", "root-b", "good");
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("did not boot its partition with the tryboot flag");
    expect(autoboot()).toEqual({ all: "1", tryboot: "2" });
    booted("root-b", 2, false);
    expect(run("set-state", "root-b", "good").code).not.toBe(0);
    expect(autoboot()).toEqual({ all: "1", tryboot: "2" });
  });

  test("revert: the gate's mark-bad during the trial drops the tryboot flag; root-a boots next", () => {
    installIntoB();
    booted("root-b", 2, true);
    ok("set-state", "root-b", "bad");
    expect(existsSync(rebootParam())).toBe(false);
    expect(autoboot()).toEqual({ all: "1", tryboot: "2" });
    expect(ok("get-primary")).toBe("root-a");
    expect(ok("get-state", "root-b")).toBe("bad");
    expect(existsSync(join(work, "state/trial"))).toBe(false);
  });

  test("marking the committed slot bad hands normal boots to the other slot", () => {
    installIntoB();
    booted("root-b", 2, true);
    ok("set-state", "root-b", "good");
    booted("root-b", 2, false);
    ok("set-state", "root-b", "bad");
    expect(autoboot()).toEqual({ all: "1", tryboot: "2" });
    expect(ok("get-primary")).toBe("root-a");
  });

  test("the next update from root-b arms a tryboot of partition 1", () => {
    installIntoB();
    booted("root-b", 2, true);
    ok("set-state", "root-b", "good");
    booted("root-b", 2, false);
    ok("set-state", "root-a", "bad");
    ok("set-primary", "root-a");
    expect(autoboot()).toEqual({ all: "2", tryboot: "1" });
    expect(ok("get-primary")).toBe("root-a");
    booted("root-a", 1, true);
    ok("set-state", "root-a", "good");
    expect(autoboot()).toEqual({ all: "1", tryboot: "2" });
  });

  test("unknown slots and states are refused by name", () => {
    expect(run("set-primary", "root-c").stderr).toContain("unknown slot 'root-c'");
    expect(run("set-state", "root-a", "maybe").stderr).toContain(
      "expected good or bad, not 'maybe'",
    );
    expect(run("bogus").code).not.toBe(0);
  });
});
