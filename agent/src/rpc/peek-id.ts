import type { RequestId } from "./envelope.ts";

const QUOTE = 34;
const BACKSLASH = 92;
const MAX_ID_LENGTH = 256;

/**
 * Finds the top-level `id` of a frame too large to parse, without building any value, so the
 * caller's pending request gets its error instead of waiting for a timeout.
 */
export function peekRequestId(text: string): RequestId | undefined {
  const start = text.search(/\S/);
  if (start < 0 || text[start] !== "{") return undefined;
  let depth = 0;
  let expectKey = false;
  let i = start;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = skipString(text, i);
      if (end < 0) return undefined;
      if (depth === 1 && expectKey) {
        expectKey = false;
        if (end - i === 4 && text.slice(i + 1, end - 1) === "id") return readIdValue(text, end);
      }
      i = end;
      continue;
    }
    if (c === 123 /* { */ || c === 91 /* [ */) {
      depth++;
      expectKey = c === 123 && depth === 1;
    } else if (c === 125 /* } */ || c === 93 /* ] */) {
      depth--;
      if (depth === 0) return undefined;
    } else if (c === 44 /* , */ && depth === 1) {
      expectKey = true;
    }
    i++;
  }
  return undefined;
}

function skipString(text: string, open: number): number {
  let i = open + 1;
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === BACKSLASH) i += 2;
    else if (c === QUOTE) return i + 1;
    else i++;
  }
  return -1;
}

function readIdValue(text: string, afterKey: number): RequestId | undefined {
  const match = /^\s*:\s*("(?:[^"\\]|\\.){0,256}"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|null)/.exec(
    text.slice(afterKey, afterKey + MAX_ID_LENGTH + 16),
  );
  if (!match?.[1]) return undefined;
  try {
    return JSON.parse(match[1]) as RequestId;
  } catch {
    return undefined;
  }
}
