// Identity of V4L2 nodes that are not USB: vivid (in the image test's guest kernel) and CSI
// bridges put several instances under one platform device, with equal node indexes and one
// udev by-path name between them.
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { scanVideoNodes } from "../../agent/src/cameras/usb/sysfs-scan.ts";

const root = mkdtempSync(join(tmpdir(), "sysfs-scan-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function platformNode(node: string, label: string): void {
  const platform = join(root, "sys/devices/platform/vivid.0");
  const dir = join(platform, "video4linux", node);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "name"), `${label}\n`);
  writeFileSync(join(dir, "index"), "0\n");
  symlinkSync(platform, join(dir, "device"));
  mkdirSync(join(root, "sys/class/video4linux"), { recursive: true });
  symlinkSync(dir, join(root, "sys/class/video4linux", node));
}

test("two instances of one platform device are two cameras, opened by their own /dev nodes", async () => {
  platformNode("video0", "vivid-000-vid-cap");
  platformNode("video4", "vivid-001-vid-cap");
  const byPath = join(root, "dev/v4l/by-path");
  mkdirSync(byPath, { recursive: true });
  // udev gives both the same by-path name; the later instance wins the link.
  symlinkSync("../../video4", join(byPath, "platform-vivid.0-video-index0"));

  const nodes = await scanVideoNodes(join(root, "sys"), join(root, "dev"));
  expect(nodes.map((node) => [node.identity, node.stablePath])).toEqual([
    ["platform:devices/platform/vivid.0:vivid-000-vid-cap:0", join(root, "dev/video0")],
    ["platform:devices/platform/vivid.0:vivid-001-vid-cap:0", join(root, "dev/video4")],
  ]);
});
