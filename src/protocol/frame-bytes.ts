import { EOT } from './constants.js';

const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;

function isAllowedByte(byte: number): boolean {
  if (byte >= 0x20) return byte <= 0x7e;
  return byte === TAB || byte === LF || byte === CR;
}

/** True when every byte may stand in a frame: printable ASCII, TAB, LF or CR. */
export function hasOnlyAllowedBytes(frame: Uint8Array): boolean {
  for (let i = 0; i < frame.length; i++) {
    if (!isAllowedByte(frame[i]!)) return false;
  }
  return true;
}

/** The index of the first character that cannot travel in a frame, or -1. */
export function indexOfForbiddenChar(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (!isAllowedByte(text.charCodeAt(i))) return i;
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
