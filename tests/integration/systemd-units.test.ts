// The shipped units, sysusers.d and tmpfiles.d entries, checked by systemd's own tools against
// a throwaway root: verify (clean = no complaint at all), security exposure, and the users,
// groups, directories and modes they really create.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const UNITS = join(import.meta.dir, "../../systemd");
let root: string;

function run(command: string[]): { code: number; stdout: string; stderr: string } {
  const result = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" });
  return {
    code: result.exitCode ?? 1,
    stdout: result.stdout.toString(),
    stderr: result.stderr.toString(),
  };
}

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "camera-agent-units-"));
  mkdirSync(join(root, "usr/lib/systemd"), { recursive: true });
  // systemd's own targets, so dependencies like sysinit.target resolve inside the root.
  cpSync("/usr/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true });
  mkdirSync(join(root, "usr/bin"), { recursive: true });
  for (const binary of ["camera-agent", "mediamtx"]) {
    writeFileSync(join(root, "usr/bin", binary), "#!/bin/sh\n", { mode: 0o755 });
  }
  mkdirSync(join(root, "etc/systemd/system"), { recursive: true });
  for (const unit of ["camera-agent.service", "mediamtx.service"]) {
    cpSync(join(UNITS, unit), join(root, "etc/systemd/system", unit));
  }
  // A Debian base: the static video group exists before our sysusers entries run.
  writeFileSync(join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
  writeFileSync(join(root, "etc/group"), "root:x:0:\nvideo:x:44:\n");
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("systemd units", () => {
  test("systemd-analyze verify: no complaint at all", () => {
    const result = run([
      "systemd-analyze",
      "verify",
      `--root=${root}`,
      "--man=no",
      "camera-agent.service",
      "mediamtx.service",
    ]);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: "" });
  });

  for (const [unit, target] of [
    ["camera-agent.service", 2.0],
    ["mediamtx.service", 3.0],
  ] as const) {
    test(`systemd-analyze security: ${unit} exposure ≤ ${target}`, () => {
      const result = run([
        "systemd-analyze",
        "security",
        "--offline=yes",
        `--root=${root}`,
        `--threshold=${target * 10}`,
        "--no-pager",
        unit,
      ]);
      const exposure = Number(
        /Overall exposure level for \S+: ([\d.]+)/.exec(result.stdout + result.stderr)?.[1],
      );
      expect(exposure).toBeLessThanOrEqual(target);
      expect(result.code).toBe(0);
    });
  }

  test("the agent unit keeps what the design requires", () => {
    const text = readFileSync(join(UNITS, "camera-agent.service"), "utf8");
    for (const line of [
      "Type=notify",
      "User=camera",
      "SupplementaryGroups=video",
      "DevicePolicy=closed",
      "DeviceAllow=char-video4linux rw",
      "NoNewPrivileges=yes",
      "CapabilityBoundingSet=",
      "ProtectSystem=strict",
      "StateDirectory=camera-agent",
      "SystemCallFilter=@system-service",
    ]) {
      expect(text.split("\n")).toContain(line);
    }
    expect(text).toMatch(/^RestrictAddressFamilies=.*AF_UNIX/m);
    expect(text).not.toMatch(/^MemoryDenyWriteExecute=yes/m);
  });
});

describe("sysusers.d and tmpfiles.d", () => {
  test("users, groups and directories are created as intended", () => {
    const sysusers = run([
      "systemd-sysusers",
      `--root=${root}`,
      join(UNITS, "sysusers.d/camera-agent.conf"),
    ]);
    expect(sysusers.code).toBe(0);
    const passwd = readFileSync(join(root, "etc/passwd"), "utf8");
    const group = readFileSync(join(root, "etc/group"), "utf8");
    expect(passwd).toMatch(/^camera:x:\d+:\d+:Camera appliance agent:\/var\/lib\/camera-agent:/m);
    expect(passwd).toMatch(/^mediamtx:x:\d+:\d+:/m);
    expect(group).toMatch(/^video:x:44:(camera,mediamtx|mediamtx,camera)$/m);
    expect(group).toMatch(/^camera:x:\d+:mediamtx$/m);

    const tmpfiles = run([
      "systemd-tmpfiles",
      `--root=${root}`,
      "--create",
      join(UNITS, "tmpfiles.d/camera-agent.conf"),
    ]);
    expect({ code: tmpfiles.code, stderr: tmpfiles.stderr }).toEqual({ code: 0, stderr: "" });
    const uid = Number(/^camera:x:(\d+):/m.exec(passwd)?.[1]);
    const mode = (path: string) => statSync(join(root, path)).mode & 0o7777;
    expect(mode("etc/camera-agent")).toBe(0o750);
    expect(statSync(join(root, "etc/camera-agent")).uid).toBe(0);
    expect(mode("var/lib/camera-agent")).toBe(0o750);
    expect(statSync(join(root, "var/lib/camera-agent")).uid).toBe(uid);
    expect(mode("var/lib/camera-agent/recordings")).toBe(0o2770);
    expect(mode("var/lib/camera-agent/snapshots")).toBe(0o750);
  });
});
