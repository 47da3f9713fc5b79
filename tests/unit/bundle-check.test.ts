// The whole-bundle check the agent runs before RAUC writes anything (RAUC 1.8 only checks a
// verity bundle block by block while installing): real bundles made by `rauc bundle`, one good
// and copies damaged in the payload, in the hash tree, and cut short.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  closeSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BundleDamaged,
  type VerityParams,
  verifyVerityBundle,
} from "../../agent/src/update/bundle-check.ts";

const REPO = join(import.meta.dir, "../..");
let work = "";
let bundle = "";
let params: VerityParams;

function run(command: string[]): string {
  const result = Bun.spawnSync(command, { stdout: "pipe", stderr: "pipe" });
  if (result.exitCode !== 0) throw new Error(`${command[0]}: ${result.stderr.toString()}`);
  return result.stdout.toString();
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "bundle-check-"));
  run(["bash", join(REPO, "tests/support/update-pki.sh"), join(work, "pki")]);
  const content = join(work, "content");
  mkdirSync(content);
  // 3 MiB of incompressible data: hundreds of data blocks, two levels of hash tree.
  writeFileSync(
    join(content, "root.img"),
    Buffer.from(crypto.getRandomValues(new Uint8Array(3 << 20))),
  );
  writeFileSync(
    join(content, "manifest.raucm"),
    "[update]\ncompatible=test\nversion=1\n\n[bundle]\nformat=verity\n\n[image.rootfs]\nfilename=root.img\n",
  );
  bundle = join(work, "good.raucb");
  run([
    "rauc",
    "bundle",
    `--cert=${work}/pki/signing.cert.pem`,
    `--key=${work}/pki/signing.key.pem`,
    content,
    bundle,
  ]);
  const info = run(["rauc", "info", `--keyring=${work}/pki/ca.cert.pem`, bundle]);
  const field = (name: string) => new RegExp(`${name}:\\s*'?([^'\\n]*)`).exec(info)?.[1] ?? "";
  params = {
    salt: field("Verity Salt"),
    rootHash: field("Verity Hash"),
    treeSize: Number(field("Verity Size")),
  };
});

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A copy of the good bundle with the byte at `offset` (from the start, or from the end if negative) flipped. */
function flipped(name: string, offset: number): string {
  const copy = join(work, name);
  copyFileSync(bundle, copy);
  const at = offset < 0 ? statSync(copy).size + offset : offset;
  const fd = openSync(copy, "r+");
  const byte = Buffer.alloc(1);
  const read = readSync(fd, byte, 0, 1, at);
  expect(read).toBe(1);
  byte[0] = (byte[0] ?? 0) ^ 0x40;
  writeSync(fd, byte, 0, 1, at);
  closeSync(fd);
  return copy;
}

async function damage(path: string): Promise<string> {
  try {
    await verifyVerityBundle(path, params);
  } catch (error) {
    expect(error).toBeInstanceOf(BundleDamaged);
    return (error as Error).message;
  }
  throw new Error(`${path} passed the check`);
}

describe("verity bundle check", () => {
  test("a bundle as RAUC made it passes", async () => {
    expect(params.rootHash).toMatch(/^[0-9a-f]{64}$/);
    await verifyVerityBundle(bundle, params);
  });

  test("one byte changed in the payload is found", async () => {
    expect(await damage(flipped("payload.raucb", 1 << 20))).toContain(
      "does not match the signed root hash",
    );
  });

  test("one byte changed in the stored hash tree is found (dm-verity would fail mid-install)", async () => {
    const size = statSync(bundle).size;
    const signature = Number(readFileSync(bundle).readBigUInt64BE(size - 8));
    const treeStart = size - 8 - signature - params.treeSize;
    expect(await damage(flipped("tree.raucb", treeStart + 100))).toContain("stored hash tree");
  });

  test("a bundle cut short is found", async () => {
    const cut = join(work, "cut.raucb");
    copyFileSync(bundle, cut);
    truncateSync(cut, statSync(bundle).size - 4096);
    expect(await damage(cut)).toMatch(/does not fit|does not match/);
  });
});
