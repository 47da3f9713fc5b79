/** What to do with a request's Range header for a file of a known size (RFC 9110 §14). */
export type RangeAnswer =
  | { kind: "whole" }
  | { kind: "unsatisfiable" }
  | { kind: "slice"; start: number; end: number };

/** One byte range; the unit is case-insensitive, blanks around the parts are allowed. */
const SINGLE_BYTE_RANGE = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i;

/**
 * Serves one byte range (what players send to seek). Anything else — another unit, several
 * ranges, a malformed or inverted range — is ignored and the whole file sent, as RFC 9110
 * allows; only a well-formed range outside the file is unsatisfiable (416).
 */
export function byteRange(header: string | undefined, size: number): RangeAnswer {
  const match = header === undefined ? null : SINGLE_BYTE_RANGE.exec(header);
  if (!match) return { kind: "whole" };
  const [, first = "", last = ""] = match;
  if (first === "") {
    if (last === "") return { kind: "whole" };
    // A suffix: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return { kind: "unsatisfiable" };
    return { kind: "slice", start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  if (last !== "" && Number(last) < start) return { kind: "whole" };
  if (start >= size) return { kind: "unsatisfiable" };
  const end = last === "" ? size - 1 : Math.min(Number(last), size - 1);
  return { kind: "slice", start, end };
}
