import { readdir, readFile, readlink, realpath } from "node:fs/promises";
import { basename, dirname, join, relative } from "node:path";

/** A V4L2 node as sysfs and /dev show it now. */
export interface VideoNode {
  /** Kernel name, e.g. video0; renumbers on replug. */
  name: string;
  devicePath: string;
  /** Stable across replug, restarts and /dev renumbering (see identityOf). */
  identity: string;
  /** Node index on its device: UVC puts capture on 0 and metadata on 1. */
  index: number;
  label: string;
  hasSerial: boolean;
  stablePath: string;
}

const NODE_NAME = /^video\d+$/;

/** Every /sys/class/video4linux/video* node, with identity and the best path to open it. */
export async function scanVideoNodes(sysfsRoot: string, devRoot: string): Promise<VideoNode[]> {
  const classDir = join(sysfsRoot, "class", "video4linux");
  const names = await readdir(classDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === "ENOENT") return [] as string[];
    throw error;
  });
  const links = await devLinks(devRoot);
  const nodes = await Promise.all(
    names
      .filter((name) => NODE_NAME.test(name))
      .map((name) => readNode(sysfsRoot, classDir, devRoot, name, links)),
  );
  // Node order, so cameras first seen in the same scan get ids in a predictable order.
  return nodes
    .filter((node): node is VideoNode => node !== undefined)
    .sort((a, b) => Number(a.name.slice(5)) - Number(b.name.slice(5)));
}

async function readNode(
  sysfsRoot: string,
  classDir: string,
  devRoot: string,
  name: string,
  links: Map<string, { byId?: string; byPath?: string }>,
): Promise<VideoNode | undefined> {
  const dir = join(classDir, name);
  // A node can vanish between readdir and here (unplug mid-scan): then it is simply absent.
  const nodeDir = await realpath(dir).catch(() => undefined);
  if (!nodeDir) return undefined;
  const label = (await readText(join(dir, "name"))) ?? name;
  const index = Number((await readText(join(dir, "index"))) ?? 0) || 0;
  const deviceDir = await realpath(join(dir, "device")).catch(() => undefined);
  const usb = deviceDir ? await usbDeviceOf(deviceDir) : undefined;
  const serial = usb ? await readText(join(usb, "serial")) : undefined;
  let identity: string;
  if (usb && serial) {
    const vendor = (await readText(join(usb, "idVendor"))) ?? "?";
    const product = (await readText(join(usb, "idProduct"))) ?? "?";
    identity = `usb:${vendor}:${product}:${serial}:${index}`;
  } else if (usb) {
    // No serial: the port it is plugged into is what tells two identical cameras apart.
    identity = `path:${relative(sysfsRoot, deviceDir ?? dirname(dirname(nodeDir)))}:${index}`;
  } else {
    // Not USB (platform drivers: CSI bridges, vivid): one device can carry several V4L2
    // instances whose nodes share an index (and a udev by-path name); their names differ.
    identity = `platform:${relative(sysfsRoot, deviceDir ?? dirname(dirname(nodeDir)))}:${label}:${index}`;
  }
  const devicePath = join(devRoot, name);
  const link = links.get(name) ?? {};
  // Without a serial, identical cameras share one by-id name; only by-path is unique then,
  // and for platform devices not even that.
  const stablePath = usb
    ? ((serial ? link.byId : undefined) ?? link.byPath ?? devicePath)
    : devicePath;
  return { name, devicePath, identity, index, label, hasSerial: serial !== undefined, stablePath };
}

export async function nodeExists(sysfsRoot: string, node: VideoNode): Promise<boolean> {
  return realpath(join(sysfsRoot, "class", "video4linux", node.name)).then(
    () => true,
    () => false,
  );
}

/** The USB device directory (the one with idVendor) above an interface directory. */
async function usbDeviceOf(deviceDir: string): Promise<string | undefined> {
  let dir = deviceDir;
  for (let depth = 0; depth < 3; depth++) {
    if ((await readText(join(dir, "idVendor"))) !== undefined) return dir;
    dir = dirname(dir);
  }
  return undefined;
}

async function devLinks(devRoot: string): Promise<Map<string, { byId?: string; byPath?: string }>> {
  const result = new Map<string, { byId?: string; byPath?: string }>();
  for (const [kind, key] of [
    ["by-id", "byId"],
    ["by-path", "byPath"],
  ] as const) {
    const dir = join(devRoot, "v4l", kind);
    const entries = await readdir(dir).catch(() => [] as string[]);
    for (const entry of entries) {
      const target = await readlink(join(dir, entry)).catch(() => undefined);
      if (!target) continue;
      const node = basename(target);
      const links = result.get(node) ?? {};
      links[key] = join(dir, entry);
      result.set(node, links);
    }
  }
  return result;
}

async function readText(path: string): Promise<string | undefined> {
  try {
    const text = (await readFile(path, "utf8")).trim();
    return text === "" ? undefined : text;
  } catch {
    return undefined;
  }
}
