// provisioning/install.sh --root into a real minimal Debian 12 tree (debootstrap minbase), the
// installed binary run inside it with systemd-nspawn, and the MediaMTX download path against a
// loopback HTTP server.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

const REPO = join(import.meta.dir, "../..");
const INSTALL = join(REPO, "provisioning/install.sh");
const CACHE = join(REPO, "node_modules/.cache/debian-bookworm-minbase.tar");
const work = mkdtempSync(join(tmpdir(), "camera-agent-install-"));
let mediamtxTarball: string;

function run(command: string[], options: { cwd?: string } = {}) {
  const result = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe", cwd: options.cwd });
  return {
    code: result.exitCode ?? 1,
    stdout: result.stdout.toString(),
    stderr: result.stderr.toString(),
  };
}

/** The Debian mirror this machine's apt uses (deb822 or one-line sources). */
function mirror(): string {
  for (const file of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8");
    const uri =
      /^URIs:\s*(\S+)/m.exec(text)?.[1] ??
      /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+bookworm\s/m.exec(text)?.[1];
    if (uri) return uri;
  }
  throw new Error("no Debian mirror in apt's sources");
}

/** A fresh copy of the cached minimal Debian tree. */
function tree(): string {
  const dir = mkdtempSync(join(work, "tree-"));
  const result = run(["tar", "-xf", CACHE, "-C", dir]);
  if (result.code !== 0) throw new Error(result.stderr);
  return dir;
}

/** The installer into `root`, with the x64 agent this checkout built. */
const installCommand = (root: string, args: string[]) => [
  "bash",
  INSTALL,
  "--root",
  root,
  "--agent",
  join(REPO, "dist/camera-agent-linux-x64"),
  ...args,
];

const install = (root: string, ...args: string[]) => run(installCommand(root, args));

/** Async, for when this process must keep serving (the loopback download server). */
async function installAsync(root: string, ...args: string[]) {
  const child = Bun.spawn(installCommand(root, args), { stdout: "pipe", stderr: "pipe" });
  const [stdout, stderr, code] = await Promise.all([
    new Response(child.stdout).text(),
    new Response(child.stderr).text(),
    child.exited,
  ]);
  return { code, stdout, stderr };
}

beforeAll(() => {
  if (!existsSync(CACHE)) {
    const build = join(work, "debootstrap");
    const result = run(["debootstrap", "--variant=minbase", "bookworm", build, mirror()]);
    if (result.code !== 0) throw new Error(`debootstrap failed: ${result.stderr.slice(-2000)}`);
    mkdirSync(join(REPO, "node_modules/.cache"), { recursive: true });
    const packed = run(["tar", "-cf", CACHE, "-C", build, "."]);
    if (packed.code !== 0) throw new Error(packed.stderr);
    rmSync(build, { recursive: true, force: true });
  }
  writeFileSync(join(work, "mediamtx"), "#!/bin/sh\necho 'fake mediamtx'\n", { mode: 0o755 });
  mediamtxTarball = join(work, "mediamtx_test_linux_amd64.tar.gz");
  run(["tar", "-czf", mediamtxTarball, "-C", work, "mediamtx"]);
}, 300_000);
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("install.sh --root into a Debian 12 tree", () => {
  test("installs files, users, directories and enabled units; a second run changes nothing; the binary runs inside", () => {
    const root = tree();
    const first = install(root, "--mediamtx", mediamtxTarball);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("installed: /usr/bin/camera-agent");
    expect(first.stdout).toContain("installed: /usr/bin/mediamtx");
    expect(first.stdout).toContain("enabled: camera-agent.service");
    expect(first.stdout).toMatch(/done: \d+ change\(s\)\n$/);

    const passwd = readFileSync(join(root, "etc/passwd"), "utf8");
    const group = readFileSync(join(root, "etc/group"), "utf8");
    expect(passwd).toMatch(/^camera:x:\d+:\d+:/m);
    expect(passwd).toMatch(/^mediamtx:x:\d+:\d+:/m);
    expect(group).toMatch(/^video:x:44:.*camera/m);
    const uid = Number(/^camera:x:(\d+):/m.exec(passwd)?.[1]);
    const gid = Number(/^camera:x:(\d+):/m.exec(group)?.[1]);
    const meta = (path: string) => {
      const info = statSync(join(root, path));
      return { path, mode: (info.mode & 0o7777).toString(8), uid: info.uid, gid: info.gid };
    };
    expect(meta("usr/bin/camera-agent")).toEqual({
      path: "usr/bin/camera-agent",
      mode: "755",
      uid: 0,
      gid: 0,
    });
    expect(meta("usr/bin/mediamtx")).toEqual({
      path: "usr/bin/mediamtx",
      mode: "755",
      uid: 0,
      gid: 0,
    });
    expect(meta("usr/lib/systemd/system/camera-agent.service").mode).toBe("644");
    expect(meta("etc/camera-agent")).toEqual({
      path: "etc/camera-agent",
      mode: "750",
      uid: 0,
      gid,
    });
    expect(meta("etc/camera-agent/config.yaml")).toEqual({
      path: "etc/camera-agent/config.yaml",
      mode: "640",
      uid: 0,
      gid,
    });
    expect(meta("var/lib/camera-agent")).toEqual({
      path: "var/lib/camera-agent",
      mode: "750",
      uid,
      gid,
    });
    expect(meta("var/lib/camera-agent/recordings")).toEqual({
      path: "var/lib/camera-agent/recordings",
      mode: "2770",
      uid,
      gid,
    });
    for (const unit of ["camera-agent.service", "mediamtx.service"]) {
      // The link points at the tree's own /usr/lib, so read it rather than follow it.
      // (Debian 12 is merged-/usr: systemctl may write /lib for /usr/lib; same file.)
      expect(readlinkSync(join(root, "etc/systemd/system/multi-user.target.wants", unit))).toMatch(
        new RegExp(`^(/usr)?/lib/systemd/system/${unit}$`),
      );
    }

    // The daily backup (camera-agent backup create, rotated by backup.keep).
    expect(
      readlinkSync(join(root, "etc/systemd/system/timers.target.wants/camera-agent-backup.timer")),
    ).toMatch(/^(\/usr)?\/lib\/systemd\/system\/camera-agent-backup\.timer$/);
    expect(meta("usr/lib/systemd/system/camera-agent-backup.service").mode).toBe("644");

    const before = statSync(join(root, "usr/bin/camera-agent")).mtimeMs;
    const second = install(root, "--mediamtx", mediamtxTarball);
    expect(second.code).toBe(0);
    expect(second.stdout).toEndWith(
      "nothing to change: camera-agent is installed and up to date\n",
    );
    expect(statSync(join(root, "usr/bin/camera-agent")).mtimeMs).toBe(before);

    const inside = run([
      "systemd-nspawn",
      "--register=no",
      "--keep-unit",
      "--pipe",
      "-q",
      "-D",
      root,
      "/bin/sh",
      "-c",
      "/usr/bin/camera-agent version && /usr/bin/camera-agent check-config /etc/camera-agent/config.yaml",
    ]);
    expect(inside.stdout).toMatch(/^camera-agent \d+\.\d+\.\d+\n/);
    expect(inside.stdout).toContain("/etc/camera-agent/config.yaml: OK");
    expect(inside.code).toBe(0);
  });

  test("--dry-run lists the changes and makes none", () => {
    const root = tree();
    const result = install(root, "--dry-run");
    expect(result.code).toBe(0);
    expect(result.stdout).toContain("would be installed: /usr/bin/camera-agent");
    expect(result.stdout).toContain("would create users: camera, mediamtx");
    // The pinned release is fetched for real only when not a dry run.
    expect(result.stdout).toMatch(
      /would download and verify MediaMTX (v[\d.]+) \(mediamtx_\1_linux_amd64\.tar\.gz\)/,
    );
    expect(result.stdout).toMatch(/dry run: \d+ change\(s\) listed, none made\n$/);
    expect(existsSync(join(root, "usr/bin/camera-agent"))).toBe(false);
    expect(readFileSync(join(root, "etc/passwd"), "utf8")).not.toMatch(/^camera:/m);
  });

  test("--uninstall keeps config, data and users; --purge removes them; the operator's config survives reinstall", () => {
    const root = tree();
    expect(install(root, "--no-mediamtx").code).toBe(0);
    writeFileSync(join(root, "etc/camera-agent/config.yaml"), "log:\n  level: debug\n");
    writeFileSync(join(root, "var/lib/camera-agent/agent.db"), "data");
    expect(install(root, "--no-mediamtx").stdout).toContain("nothing to change");
    // What `provision.yml --check` runs on an installed box: it must report no change.
    const dry = install(root, "--no-mediamtx", "--dry-run");
    expect({ code: dry.code, stdout: dry.stdout }).toEqual({
      code: 0,
      stdout: expect.stringContaining("nothing to change"),
    });
    expect(readFileSync(join(root, "etc/camera-agent/config.yaml"), "utf8")).toBe(
      "log:\n  level: debug\n",
    );

    const uninstall = install(root, "--uninstall");
    expect(uninstall.code).toBe(0);
    expect(existsSync(join(root, "usr/bin/camera-agent"))).toBe(false);
    expect(existsSync(join(root, "usr/lib/systemd/system/camera-agent.service"))).toBe(false);
    expect(
      existsSync(join(root, "etc/systemd/system/multi-user.target.wants/camera-agent.service")),
    ).toBe(false);
    expect(readFileSync(join(root, "etc/camera-agent/config.yaml"), "utf8")).toBe(
      "log:\n  level: debug\n",
    );
    expect(existsSync(join(root, "var/lib/camera-agent/agent.db"))).toBe(true);
    expect(readFileSync(join(root, "etc/passwd"), "utf8")).toMatch(/^camera:/m);

    const purge = install(root, "--purge");
    expect(purge.code).toBe(0);
    expect(existsSync(join(root, "etc/camera-agent"))).toBe(false);
    expect(existsSync(join(root, "var/lib/camera-agent"))).toBe(false);
    expect(readFileSync(join(root, "etc/passwd"), "utf8")).not.toMatch(/^(camera|mediamtx):/m);
    expect(readFileSync(join(root, "etc/group"), "utf8")).not.toMatch(/^(camera|mediamtx):/m);
  });

  test("--keep-previous keeps the binary an update replaces, and removes a stale copy when nothing is replaced", () => {
    const root = tree();
    expect(install(root, "--no-mediamtx").code).toBe(0);
    const factory = readFileSync(join(REPO, "dist/camera-agent-linux-x64"));
    // The next release: any other content.
    const next = join(work, "camera-agent-next");
    writeFileSync(next, Buffer.concat([factory, Buffer.from("next")]), { mode: 0o755 });
    const kept = join(mkdtempSync(join(work, "fleet-")), "previous-camera-agent");

    const dry = install(
      root,
      "--no-mediamtx",
      "--agent",
      next,
      "--keep-previous",
      kept,
      "--dry-run",
    );
    expect(dry.stdout).toContain(`would keep the installed agent binary at ${kept}`);
    expect(existsSync(kept)).toBe(false);

    const update = install(root, "--no-mediamtx", "--agent", next, "--keep-previous", kept);
    expect(update.code).toBe(0);
    expect(update.stdout).toContain(`kept the installed agent binary: ${kept}`);
    expect(update.stdout).toContain("updated: /usr/bin/camera-agent");
    expect(readFileSync(kept).equals(factory)).toBe(true);
    expect((statSync(kept).mode & 0o777).toString(8)).toBe("755");
    expect(readFileSync(join(root, "usr/bin/camera-agent")).equals(readFileSync(next))).toBe(true);

    // The same release again replaces nothing: the copy of an older one must not stay behind
    // for a rollback to put back.
    const again = install(root, "--no-mediamtx", "--agent", next, "--keep-previous", kept);
    expect(again.stdout).toContain("nothing to change");
    expect(existsSync(kept)).toBe(false);

    const relative = install(root, "--keep-previous", "previous-camera-agent");
    expect(relative.code).toBe(1);
    expect(relative.stderr).toContain(
      "--keep-previous previous-camera-agent: give an absolute path",
    );
    const nowhere = install(root, "--keep-previous", join(work, "no-such-dir", "previous"));
    expect(nowhere.stderr).toContain(`no directory ${join(work, "no-such-dir")}`);
    // A FILE that cannot be written (here a directory): refused before anything changes, and
    // no partial copy left beside it.
    const blocked = join(dirname(kept), "blocked");
    mkdirSync(blocked);
    const refused = install(
      root,
      "--no-mediamtx",
      "--agent",
      join(REPO, "dist/camera-agent-linux-x64"),
      "--keep-previous",
      blocked,
    );
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`could not keep the installed agent binary at ${blocked}`);
    expect(readdirSync(dirname(kept)).sort()).toEqual(["blocked"]);
    expect(readFileSync(join(root, "usr/bin/camera-agent")).equals(readFileSync(next))).toBe(true);
  });

  test("MediaMTX download: installed when its sha256 matches, refused when it does not or is not given", async () => {
    const body = readFileSync(mediamtxTarball);
    const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(body) });
    try {
      const url = `http://127.0.0.1:${server.port}/mediamtx_test_linux_amd64.tar.gz`;
      const good = createHash("sha256").update(body).digest("hex");
      const root = tree();
      const refused = await installAsync(
        root,
        "--mediamtx-url",
        url,
        "--mediamtx-sha256",
        "0".repeat(64),
      );
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `checksum mismatch for ${url}: expected ${"0".repeat(64)}, got ${good}; refusing to install it`,
      );
      expect(existsSync(join(root, "usr/bin/mediamtx"))).toBe(false);
      expect(existsSync(join(root, "usr/bin/camera-agent"))).toBe(false);
      expect(readFileSync(join(root, "etc/passwd"), "utf8")).not.toMatch(/^camera:/m);
      const unverified = await installAsync(root, "--mediamtx-url", url);
      expect(unverified.code).toBe(1);
      expect(unverified.stderr).toContain("--mediamtx-url needs --mediamtx-sha256");
      const accepted = await installAsync(root, "--mediamtx-url", url, "--mediamtx-sha256", good);
      expect(accepted.code).toBe(0);
      expect(readFileSync(join(root, "usr/bin/mediamtx"), "utf8")).toContain("fake mediamtx");
    } finally {
      server.stop(true);
    }
  });

  test("default: the pinned MediaMTX release from the pin file, refused on a checksum mismatch, not fetched again once installed", async () => {
    // A release laid out like MediaMTX's (<base>/<version>/<asset>), pinned by this test.
    const version = "v9.8.7";
    const asset = `mediamtx_${version}_linux_amd64.tar.gz`;
    const body = readFileSync(mediamtxTarball);
    const sha256 = createHash("sha256").update(body).digest("hex");
    const requests: string[] = [];
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch(request) {
        const path = new URL(request.url).pathname;
        requests.push(path);
        return path === `/releases/${version}/${asset}`
          ? new Response(body)
          : new Response("not found", { status: 404 });
      },
    });
    const pin = (amd64: string) => {
      const file = join(work, `pin-${amd64.slice(0, 8)}.conf`);
      writeFileSync(
        file,
        [
          `MEDIAMTX_VERSION=${version}`,
          `MEDIAMTX_RELEASES=http://127.0.0.1:${server.port}/releases`,
          `MEDIAMTX_SHA256_AMD64=${amd64}`,
          `MEDIAMTX_SHA256_ARM64=${"1".repeat(64)}`,
          "",
        ].join("\n"),
      );
      return file;
    };
    try {
      const root = tree();
      const wrong = "ab".repeat(32);
      const refused = await installAsync(root, "--mediamtx-pin", pin(wrong));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(
        `checksum mismatch for http://127.0.0.1:${server.port}/releases/${version}/${asset}: expected ${wrong}`,
      );
      expect(refused.stderr).toContain(`received ${sha256}; refusing it`);
      expect(refused.stderr).toContain("pass the release tarball with --mediamtx FILE");
      expect(existsSync(join(root, "usr/bin/mediamtx"))).toBe(false);
      expect(existsSync(join(root, "usr/bin/camera-agent"))).toBe(false);

      const good = pin(sha256);
      const installed = await installAsync(root, "--mediamtx-pin", good);
      expect(installed.code).toBe(0);
      expect(installed.stdout).toContain(`MediaMTX ${version} (amd64): downloaded from`);
      expect(installed.stdout).toContain("installed: /usr/bin/mediamtx");
      expect(readFileSync(join(root, "usr/bin/mediamtx"), "utf8")).toContain("fake mediamtx");
      expect(readFileSync(join(root, "usr/share/camera-agent/mediamtx.release"), "utf8")).toBe(
        `version=${version}\nsource_sha256=${sha256}\nbinary_sha256=${createHash("sha256")
          .update(readFileSync(join(root, "usr/bin/mediamtx")))
          .digest("hex")}\n`,
      );
      const fetched = requests.length;

      // Installed from the pin: a rerun needs no server and changes nothing.
      server.stop(true);
      const again = await installAsync(root, "--mediamtx-pin", good);
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`MediaMTX ${version}: installed, matches the pin`);
      expect(again.stdout).toEndWith(
        "nothing to change: camera-agent is installed and up to date\n",
      );
      expect(requests.length).toBe(fetched);

      // Offline with nothing installed: the error says what to do.
      const offline = await installAsync(tree(), "--mediamtx-pin", good);
      expect(offline.code).toBe(1);
      expect(offline.stderr).toContain(`cannot download MediaMTX ${version}`);
      expect(offline.stderr).toContain("--no-mediamtx to leave MediaMTX out");

      // A file that is not the pinned release is installed as given, and said to be.
      const other = await installAsync(
        tree(),
        "--mediamtx-pin",
        pin(wrong),
        "--mediamtx",
        mediamtxTarball,
      );
      expect(other.code).toBe(0);
      expect(other.stdout).toContain(`is not the pinned release ${asset}`);
    } finally {
      server.stop(true);
    }
  });

  test("clear errors: unsupported OS, unsupported architecture, not root, missing binary", () => {
    const root = tree();
    writeFileSync(
      join(root, "etc/os-release"),
      'ID=fedora\nVERSION_ID=40\nPRETTY_NAME="Fedora Linux 40"\n',
    );
    const os = install(root);
    expect({ code: os.code, stderr: os.stderr }).toEqual({
      code: 1,
      stderr:
        "install.sh: unsupported OS: Fedora Linux 40 (supported: Debian 12, Ubuntu 22.04 or newer, Raspberry Pi OS 12)\n",
    });
    for (const [release, accepted] of [
      ['ID=ubuntu\nVERSION_ID="24.04"\nPRETTY_NAME="Ubuntu 24.04 LTS"\n', true],
      ['ID=ubuntu\nVERSION_ID="22.04"\nPRETTY_NAME="Ubuntu 22.04.4 LTS"\n', true],
      ['ID=raspbian\nVERSION_ID="12"\nPRETTY_NAME="Raspbian GNU/Linux 12 (bookworm)"\n', true],
      ['ID=ubuntu\nVERSION_ID="20.04"\nPRETTY_NAME="Ubuntu 20.04.6 LTS"\n', false],
      ['ID=debian\nVERSION_ID="11"\nPRETTY_NAME="Debian GNU/Linux 11 (bullseye)"\n', false],
    ] as const) {
      writeFileSync(join(root, "etc/os-release"), release);
      const result = install(root, "--dry-run");
      expect({ release, code: result.code }).toEqual({ release, code: accepted ? 0 : 1 });
    }
    const debian = tree();
    expect(install(debian, "--arch", "riscv64").stderr).toBe(
      "install.sh: unsupported architecture: riscv64 (supported: amd64, arm64)\n",
    );
    expect(
      run(["bash", INSTALL, "--root", debian, "--agent", join(work, "missing")]).stderr,
    ).toContain(`no agent binary at ${join(work, "missing")}`);
    const notRoot = run([
      "setpriv",
      "--reuid=65534",
      "--regid=65534",
      "--clear-groups",
      "bash",
      INSTALL,
      "--root",
      debian,
    ]);
    expect({ code: notRoot.code, stderr: notRoot.stderr }).toEqual({
      code: 1,
      stderr: "install.sh: must be run as root (it installs system files, users and services)\n",
    });
  });
});
