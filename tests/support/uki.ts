// Reads the kernel command line baked into a unified kernel image (a PE file's .cmdline).

/** A unified kernel image's .cmdline section: its text and where its bytes are in the file. */
export function ukiCmdline(pe: Buffer): {
  text: string;
  sizeField: number;
  start: number;
  end: number;
} {
  const coff = pe.readUInt32LE(0x3c);
  const sections = pe.readUInt16LE(coff + 6);
  const table = coff + 24 + pe.readUInt16LE(coff + 20);
  for (let index = 0; index < sections; index++) {
    const header = table + 40 * index;
    if (
      pe
        .subarray(header, header + 8)
        .toString("latin1")
        .replace(/\0+$/, "") !== ".cmdline"
    )
      continue;
    const start = pe.readUInt32LE(header + 20);
    const text = pe.subarray(start, start + pe.readUInt32LE(header + 8)).toString("utf8");
    return {
      text: text.replace(/\0+$/, ""),
      sizeField: header + 8,
      start,
      end: start + pe.readUInt32LE(header + 16),
    };
  }
  throw new Error("no .cmdline section in the UKI");
}
