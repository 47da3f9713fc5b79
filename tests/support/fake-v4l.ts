import {
  appendFileSync,
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const FIXTURES = join(import.meta.dir, "../fixtures/v4l2-ctl");

export type Probe = { fixture: string } | { stderr: string } | { stdout: string } | "hang";

export interface Plug {
  node: string;
  /** USB port path, e.g. "1-2"; the bus path of a camera without serial. */
  port: string;
  index?: number;
  serial?: string;
  label?: string;
  probe: Probe;
  /** Create the by-id link now (default: when there is a serial, as udev does). */
  byId?: boolean;
}

/**
 * A V4L2 world in a temp directory: sysfs and /dev laid out as the kernel and udev do, a fake
 * v4l2-ctl answering from fixtures, and a fake udevadm that follows an event log written in
 * `udevadm monitor --udev --property` format. It reads the log from the start, so an event
 * written before the monitor is up is still delivered (the log starts empty).
 */
export class FakeV4l {
  readonly sysfs: string;
  readonly dev: string;
  readonly probes: string;
  readonly events: string;
  readonly udevadm: string;
  readonly v4l2ctl: string;
  private seq = 1000;

  constructor(readonly dir: string) {
    this.sysfs = join(dir, "sys");
    this.dev = join(dir, "dev");
    this.probes = join(dir, "probes");
    this.events = join(dir, "udev-events.log");
    for (const path of [
      join(this.sysfs, "class", "video4linux"),
      join(this.sysfs, "devices"),
      join(this.dev, "v4l", "by-id"),
      join(this.dev, "v4l", "by-path"),
      this.probes,
      join(dir, "bin"),
    ]) {
      mkdirSync(path, { recursive: true });
    }
    writeFileSync(this.events, "");
    this.v4l2ctl = script(
      join(dir, "bin", "v4l2-ctl"),
      `dev=""
while [ $# -gt 0 ]; do case "$1" in --device) dev="$2"; shift 2;; *) shift;; esac; done
name=$(basename "$dev")
p="${this.probes}/$name"
if [ -f "$p.hang" ]; then exec sleep 60; fi
if [ -f "$p.err" ]; then cat "$p.err" >&2; exit 1; fi
if [ -f "$p.out" ]; then cat "$p.out"; exit 0; fi
echo "Cannot open device $dev, exiting." >&2
exit 1`,
    );
    this.udevadm = script(
      join(dir, "bin", "udevadm"),
      `echo "monitor will print the received events for:"
echo "UDEV - the event which udev sends out after rule processing"
echo
exec tail -n +1 -F "${this.events}"`,
    );
  }

  /** discovery.usb settings pointing at this world. */
  config(extra: Record<string, unknown> = {}): Record<string, unknown> {
    return {
      sysfs_root: this.sysfs,
      dev_root: this.dev,
      udevadm: this.udevadm,
      v4l2ctl: this.v4l2ctl,
      ...extra,
    };
  }

  plug(spec: Plug): void {
    const index = spec.index ?? 0;
    const label = spec.label ?? "Test Camera";
    const usbDir = join(this.sysfs, "devices", "pci0000:00", "0000:00:14.0", "usb1", spec.port);
    const interfaceDir = join(usbDir, `${spec.port}:1.0`);
    const nodeDir = join(interfaceDir, "video4linux", spec.node);
    mkdirSync(nodeDir, { recursive: true });
    writeFileSync(join(usbDir, "idVendor"), "046d\n");
    writeFileSync(join(usbDir, "idProduct"), "082d\n");
    if (spec.serial) writeFileSync(join(usbDir, "serial"), `${spec.serial}\n`);
    else rmSync(join(usbDir, "serial"), { force: true });
    writeFileSync(join(nodeDir, "name"), `${label}\n`);
    writeFileSync(join(nodeDir, "index"), `${index}\n`);
    writeFileSync(join(nodeDir, "dev"), `81:${spec.node.slice(5)}\n`);
    symlinkSync(interfaceDir, join(nodeDir, "device"));
    symlinkSync(nodeDir, join(this.sysfs, "class", "video4linux", spec.node));
    writeFileSync(join(this.dev, spec.node), "");
    symlinkSync(
      `../../${spec.node}`,
      join(
        this.dev,
        "v4l",
        "by-path",
        `pci-0000:00:14.0-usb-0:${spec.port}:1.0-video-index${index}`,
      ),
    );
    if (spec.byId ?? spec.serial !== undefined)
      this.linkById(
        spec.node,
        `usb-046d_${label.replace(/ /g, "_")}_${spec.serial ?? "noserial"}-video-index${index}`,
      );
    this.setProbe(spec.node, spec.probe);
  }

  linkById(node: string, name: string): void {
    symlinkSync(`../../${node}`, join(this.dev, "v4l", "by-id", name));
  }

  unplug(node: string): void {
    const classLink = join(this.sysfs, "class", "video4linux", node);
    const nodeDir = readlinkSync(classLink);
    rmSync(classLink);
    rmSync(nodeDir, { recursive: true, force: true });
    rmSync(join(this.dev, node), { force: true });
    for (const kind of ["by-id", "by-path"]) {
      const dir = join(this.dev, "v4l", kind);
      for (const entry of readdirSync(dir)) {
        if (readlinkSync(join(dir, entry)) === `../../${node}`) rmSync(join(dir, entry));
      }
    }
    for (const suffix of [".out", ".err", ".hang"])
      rmSync(join(this.probes, `${node}${suffix}`), { force: true });
  }

  setProbe(node: string, probe: Probe): void {
    for (const suffix of [".out", ".err", ".hang"])
      rmSync(join(this.probes, `${node}${suffix}`), { force: true });
    if (probe === "hang") writeFileSync(join(this.probes, `${node}.hang`), "");
    else if ("fixture" in probe)
      copyFileSync(join(FIXTURES, probe.fixture), join(this.probes, `${node}.out`));
    else if ("stderr" in probe) writeFileSync(join(this.probes, `${node}.err`), probe.stderr);
    else writeFileSync(join(this.probes, `${node}.out`), probe.stdout);
  }

  /** Appends one event as udevadm would print it; the fake monitor passes it on. */
  event(action: "add" | "remove" | "change", node: string): void {
    const devpath = `/devices/pci0000:00/0000:00:14.0/usb1/1-1/1-1:1.0/video4linux/${node}`;
    const seconds = (performance.now() / 1000).toFixed(6);
    appendFileSync(
      this.events,
      `UDEV  [${seconds}] ${action.padEnd(8)} ${devpath} (video4linux)\nACTION=${action}\nDEVPATH=${devpath}\nSUBSYSTEM=video4linux\nDEVNAME=/dev/${node}\nSEQNUM=${this.seq++}\nMAJOR=81\nMINOR=${node.slice(5)}\n\n`,
    );
  }
}

function script(path: string, body: string): string {
  writeFileSync(path, `#!/bin/sh\n${body}\n`);
  chmodSync(path, 0o755);
  return path;
}

/**
 * A temporary sysfs and /dev with one UVC webcam (MJPEG and YUYV) plugged in as video0, the
 * world most agent tests start from; `cleanups` gets its removal.
 */
export function oneCameraWorld(
  serial: string,
  cleanups: Array<() => Promise<void> | void>,
): FakeV4l {
  const dir = mkdtempSync(join(tmpdir(), "camera-agent-v4l-"));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const v4l = new FakeV4l(dir);
  v4l.plug({ node: "video0", port: "1-1", serial, probe: { fixture: "uvc-mjpeg-yuyv.txt" } });
  return v4l;
}
