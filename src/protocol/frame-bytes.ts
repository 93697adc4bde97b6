import { EOT } from './constants.js';

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

// A table lookup per byte rather than comparisons: this check runs over every byte a server routes.
const ALLOWED_BYTES = new Uint8Array(256);
for (let byte = 0x20; byte <= 0x7e; byte++) ALLOWED_BYTES[byte] = 1;
ALLOWED_BYTES[TAB] = 1;
ALLOWED_BYTES[LF] = 1;
ALLOWED_BYTES[CR] = 1;

function isAllowedCode(code: number): boolean {
  return code < 256 && ALLOWED_BYTES[code] === 1;
}

/**
 * True when every byte may stand in a frame: printable ASCII, TAB, LF or CR. `start` and
 * `end` check a range in place, e.g. a frame still inside the chunk it arrived in.
 */
export function hasOnlyAllowedBytes(frame: Uint8Array, start = 0, end = frame.length): boolean {
  for (let i = start; i < end; i++) {
    if (ALLOWED_BYTES[frame[i]!] === 0) return false;
  }
  return true;
}

/** The index of the first character that cannot travel in a frame, or -1. */
export function indexOfForbiddenChar(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (!isAllowedCode(text.charCodeAt(i))) return i;
  }
  return -1;
}

/** Describes a character for an error message: `"é" (U+00E9)`, `EOT (0x04)`. */
export function describeChar(text: string, index: number): string {
  const code = text.codePointAt(index) ?? 0;
  const hex = code.toString(16).toUpperCase().padStart(code > 0xff ? 4 : 2, '0');
  if (code === EOT) return `EOT (0x${hex})`;
  if (code < 0x20 || code === 0x7f) return `control byte 0x${hex}`;
  return `"${String.fromCodePoint(code)}" (U+${hex.padStart(4, '0')})`;
}
