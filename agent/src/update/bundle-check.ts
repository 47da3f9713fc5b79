// The whole-bundle check RAUC 1.8 lacks (its perform-pre-check came in 1.10): a verity bundle's
// payload is otherwise only checked block by block while it is being written, so a bundle
// damaged in transit fails halfway through and leaves the other slot half-overwritten. Here
// the payload and its stored hash tree are recomputed from the signed root hash before RAUC
// is asked to install, and a bundle with one byte changed is refused with nothing written.
//
// A RAUC verity bundle is: squashfs payload | dm-verity hash tree | CMS signature | u64 BE
// signature size. The tree is dm-verity's format 1 as RAUC makes it: 4096-byte blocks,
// sha256(salt ‖ block), 128 hashes per hash block zero-padded, levels stored top-down.
import { open } from "node:fs/promises";

const BLOCK = 4096;
const HASHES_PER_BLOCK = BLOCK / 32;
const READ_SIZE = BLOCK * 256;

export interface VerityParams {
  /** Hex, from the signed manifest (`rauc info` after it checked the signature). */
  salt: string;
  rootHash: string;
  /** Bytes of the hash tree. */
  treeSize: number;
}

export class BundleDamaged extends Error {}

function hashBlock(salt: Buffer, block: Uint8Array): Buffer {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(salt);
  hasher.update(block);
  return hasher.digest();
}

/** Concatenated hashes → hash blocks, the last one zero-padded. */
function packIntoBlocks(hashes: Buffer[]): Buffer {
  const blocks = Math.max(1, Math.ceil(hashes.length / HASHES_PER_BLOCK));
  const packed = Buffer.alloc(blocks * BLOCK);
  hashes.forEach((hash, index) => {
    hash.copy(packed, index * 32);
  });
  return packed;
}

/** Throws BundleDamaged naming what does not match; resolves when every byte checks out. */
export async function verifyVerityBundle(path: string, params: VerityParams): Promise<void> {
  const salt = Buffer.from(params.salt, "hex");
  const file = await open(path, "r");
  try {
    const total = (await file.stat()).size;
    if (total < 8) throw new BundleDamaged("the file is too short to be a bundle");
    const tail = Buffer.alloc(8);
    await file.read(tail, 0, 8, total - 8);
    const signatureSize = Number(tail.readBigUInt64BE(0));
    const payloadSize = total - 8 - signatureSize - params.treeSize;
    if (payloadSize <= 0 || payloadSize % BLOCK !== 0) {
      throw new BundleDamaged(
        `its size (${total} bytes) does not fit its signature and hash tree: truncated or padded`,
      );
    }

    let hashes: Buffer[] = [];
    const buffer = Buffer.alloc(READ_SIZE);
    for (let offset = 0; offset < payloadSize; offset += READ_SIZE) {
      const length = Math.min(READ_SIZE, payloadSize - offset);
      const { bytesRead } = await file.read(buffer, 0, length, offset);
      if (bytesRead !== length) throw new BundleDamaged("the file ended early while reading");
      for (let at = 0; at < length; at += BLOCK) {
        hashes.push(hashBlock(salt, buffer.subarray(at, at + BLOCK)));
      }
    }
    const levels: Buffer[] = [];
    for (;;) {
      const level = packIntoBlocks(hashes);
      levels.unshift(level);
      if (level.length === BLOCK) break;
      hashes = [];
      for (let at = 0; at < level.length; at += BLOCK) {
        hashes.push(hashBlock(salt, level.subarray(at, at + BLOCK)));
      }
    }
    const [top] = levels;
    if (!top || hashBlock(salt, top).toString("hex") !== params.rootHash.toLowerCase()) {
      throw new BundleDamaged("its payload does not match the signed root hash");
    }
    const tree = Buffer.concat(levels);
    const stored = Buffer.alloc(params.treeSize);
    await file.read(stored, 0, params.treeSize, payloadSize);
    if (tree.length > params.treeSize || !stored.subarray(0, tree.length).equals(tree)) {
      throw new BundleDamaged("its stored hash tree does not match its payload");
    }
  } finally {
    await file.close();
  }
}
