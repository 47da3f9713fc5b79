/**
 * The small part of the tar format (POSIX ustar) a backup needs: regular files only, names up
 * to 100 bytes. Reading refuses everything a restore must never act on — links, devices,
 * directories, absolute or `..` names, duplicates — and a truncated or damaged archive.
 */

const BLOCK = 512;

export interface TarFile {
  name: string;
  data: Uint8Array;
  /** Permission bits (e.g. 0o600). */
  mode: number;
}

/** Thrown for an archive that must not be used; the message says what is wrong with it. */
export class TarError extends Error {}

export function writeTar(files: TarFile[]): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const file of files) {
    checkName(file.name);
    const header = new Uint8Array(BLOCK);
    field(header, 0, 100, file.name);
    field(header, 100, 8, octal(file.mode & 0o7777, 7));
    field(header, 108, 8, octal(0, 7));
    field(header, 116, 8, octal(0, 7));
    field(header, 124, 12, octal(file.data.length, 11));
    // A fixed time: the manifest carries when the backup was made.
    field(header, 136, 12, octal(0, 11));
    header[156] = "0".charCodeAt(0);
    field(header, 257, 6, "ustar");
    field(header, 263, 2, "00");
    // The checksum is computed with its own field as spaces.
    header.fill(0x20, 148, 156);
    field(header, 148, 8, `${octal(checksum(header), 6)}\0 `);
    blocks.push(header, padded(file.data));
  }
  blocks.push(new Uint8Array(BLOCK * 2));
  return concat(blocks);
}

export function readTar(archive: Uint8Array): TarFile[] {
  const files: TarFile[] = [];
  const seen = new Set<string>();
  let offset = 0;
  for (;;) {
    if (offset + BLOCK > archive.length) throw new TarError("the archive is truncated");
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) return files;
    const stored = Number.parseInt(text(header, 148, 8).trim() || "x", 8);
    if (stored !== checksum(header)) {
      throw new TarError(`entry ${files.length + 1}: damaged header (checksum mismatch)`);
    }
    const name = text(header, 0, 100);
    const type = String.fromCharCode(header[156] ?? 0);
    if (type !== "0" && type !== "\0") {
      throw new TarError(`${name}: ${KINDS[type] ?? `entry type "${type}"`}, not a regular file`);
    }
    checkName(name);
    if (seen.has(name)) throw new TarError(`${name}: appears twice`);
    seen.add(name);
    const size = Number.parseInt(text(header, 124, 12).trim() || "x", 8);
    const mode = Number.parseInt(text(header, 100, 8).trim() || "x", 8);
    if (!Number.isSafeInteger(size) || size < 0 || !Number.isInteger(mode)) {
      throw new TarError(`${name}: damaged header (size or mode)`);
    }
    const start = offset + BLOCK;
    if (start + size > archive.length) throw new TarError("the archive is truncated");
    files.push({ name, data: archive.slice(start, start + size), mode: mode & 0o7777 });
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
}

const KINDS: Record<string, string> = {
  "1": "a hard link",
  "2": "a symbolic link",
  "3": "a character device",
  "4": "a block device",
  "5": "a directory",
  "6": "a FIFO",
};

/** Relative, no `..`, no empty parts, printable: a name that can only land inside a target. */
function checkName(name: string): void {
  if (name === "") throw new TarError("an entry has no name");
  if (name.startsWith("/")) throw new TarError(`${name}: absolute path`);
  const parts = name.split("/");
  if (parts.some((part) => part === ".." || part === "." || part === "")) {
    throw new TarError(`${name}: path leaves the archive's directory or is not canonical`);
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(name) || new TextEncoder().encode(name).length > 99) {
    throw new TarError(`${JSON.stringify(name)}: name too long or not printable`);
  }
}

function field(header: Uint8Array, at: number, length: number, value: string): void {
  header.set(new TextEncoder().encode(value).subarray(0, length), at);
}

function text(header: Uint8Array, at: number, length: number): string {
  const bytes = header.subarray(at, at + length);
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end === -1 ? bytes : bytes.subarray(0, end));
}

function octal(value: number, digits: number): string {
  return value.toString(8).padStart(digits, "0");
}

function checksum(header: Uint8Array): number {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (header[i] ?? 0);
  return sum;
}

function padded(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(data.length / BLOCK) * BLOCK);
  out.set(data);
  return out;
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
