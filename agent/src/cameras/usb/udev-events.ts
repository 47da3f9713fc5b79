export interface UdevEvent {
  source: "UDEV" | "KERNEL";
  action: string;
  devpath: string;
  subsystem: string;
  properties: Record<string, string>;
}

const HEADER = /^(UDEV|KERNEL)\s*\[[\d.]+\]\s+(\S+)\s+(\S+)\s+\(([^)]+)\)\s*$/;
const PROPERTY = /^([A-Za-z0-9_.]+)=(.*)$/;

/**
 * Incremental parser for `udevadm monitor --property` output: a header line, KEY=VALUE lines,
 * a blank line. Accepts text in arbitrary chunks; anything else (the banner) is skipped.
 */
export class UdevEventParser {
  private partial = "";
  private current: UdevEvent | undefined;

  constructor(private readonly emit: (event: UdevEvent) => void) {}

  push(chunk: string): void {
    const lines = (this.partial + chunk).split("\n");
    this.partial = lines.pop() ?? "";
    for (const line of lines) this.line(line.replace(/\r$/, ""));
  }

  /** Ends the stream: an event cut off without its blank line is still delivered. */
  end(): void {
    if (this.partial) this.line(this.partial);
    this.partial = "";
    this.finish();
  }

  private line(line: string): void {
    const header = HEADER.exec(line);
    if (header) {
      this.finish();
      const [, source, action, devpath, subsystem] = header;
      this.current = {
        source: source as "UDEV" | "KERNEL",
        action: action ?? "",
        devpath: devpath ?? "",
        subsystem: subsystem ?? "",
        properties: {},
      };
      return;
    }
    if (line.trim() === "") {
      this.finish();
      return;
    }
    const property = PROPERTY.exec(line);
    if (property && this.current) this.current.properties[property[1] ?? ""] = property[2] ?? "";
  }

  private finish(): void {
    if (this.current) this.emit(this.current);
    this.current = undefined;
  }
}
