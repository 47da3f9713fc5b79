// Installing an update bundle into the other root slot: RAUC checks the signature (rauc info,
// against the device's keyring), we check every byte of the payload (bundle-check.ts), then
// RAUC writes the slot and arms the trial boot, reporting progress as it goes.
import { execa } from "execa";
import { BundleDamaged, verifyVerityBundle } from "./bundle-check.ts";

export interface BundleInfo {
  compatible: string;
  version: string;
  salt: string;
  rootHash: string;
  treeSize: number;
}

export interface InstallProgress {
  /** 0-100, as RAUC counts it. */
  percent: number;
  step: string;
}

/** Why an install was refused or failed: the message names the cause for the operator. */
export class InstallRefused extends Error {}

const FIELD = (name: string) => new RegExp(`^\\s*${name}:\\s*'?([^'\\n]*)'?\\s*$`, "m");

/**
 * `rauc info` (signature checked against the system keyring). Its text is parsed because
 * RAUC 1.8's JSON output leaves out the verity parameters.
 */
export async function bundleInfo(path: string): Promise<BundleInfo> {
  const result = await execa("rauc", ["info", path], { reject: false, timeout: 120_000 });
  if (result.exitCode !== 0) {
    const reason = `${result.stderr}\n${result.stdout}`.trim().split("\n").at(-1) ?? "";
    throw new InstallRefused(`the bundle was refused: ${reason}`);
  }
  const field = (name: string) => FIELD(name).exec(result.stdout)?.[1]?.trim() ?? "";
  if (field("Bundle Format") !== "verity") {
    throw new InstallRefused("the bundle is not in verity format");
  }
  const info = {
    compatible: field("Compatible"),
    version: field("Version"),
    salt: field("Verity Salt"),
    rootHash: field("Verity Hash"),
    treeSize: Number(field("Verity Size")),
  };
  if (!/^[0-9a-f]{64}$/.test(info.rootHash) || !/^[0-9a-f]+$/.test(info.salt) || !info.treeSize) {
    throw new InstallRefused("rauc info gave no verity parameters for the bundle");
  }
  return info;
}

const PROGRESS = /^\s*(\d{1,3})%\s+(.+?)\s*$/;

/**
 * Checks the bundle completely, then has RAUC install it. Throws InstallRefused with the
 * cause; nothing is written unless the signature and every payload byte check out.
 */
export async function installBundle(
  path: string,
  onProgress: (progress: InstallProgress) => void,
): Promise<BundleInfo> {
  onProgress({ percent: 0, step: "Checking the bundle's signature" });
  const info = await bundleInfo(path);
  onProgress({ percent: 0, step: "Checking every block of the bundle" });
  await verifyVerityBundle(path, info).catch((error: unknown) => {
    if (error instanceof BundleDamaged) {
      throw new InstallRefused(`the bundle is damaged: ${error.message}; nothing was written`);
    }
    throw error;
  });
  const child = execa("rauc", ["install", path], { reject: false, all: true, buffer: true });
  let lastError = "";
  child.all?.setEncoding("utf8");
  let pending = "";
  child.all?.on("data", (chunk: string) => {
    pending += chunk;
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const progress = PROGRESS.exec(line);
      if (progress) onProgress({ percent: Number(progress[1]), step: progress[2] ?? "" });
      if (line.startsWith("LastError:")) lastError = line.slice("LastError:".length).trim();
    }
  });
  const result = await child;
  if (result.exitCode !== 0) {
    const output = String(result.all ?? "").trim();
    throw new InstallRefused(
      `rauc install failed: ${lastError || output.split("\n").at(-1) || `exit ${result.exitCode}`}`,
    );
  }
  return info;
}
