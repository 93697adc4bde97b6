import anyAscii from 'any-ascii';

// Everything but printable ASCII, TAB, LF and CR: what the protocol cannot carry.
const NOT_CARRIED = /[^\t\n\r\x20-\x7e]/g;

/**
 * Text the protocol can carry: transliterated to ASCII ("café ✓" becomes "cafe v"), and `?`
 * for what has no ASCII form (control characters among them). Its own module, loaded only
 * for --ascii: the transliteration tables are large.
 */
export function toAscii(text: string): string {
  return anyAscii(text).replace(NOT_CARRIED, '?');
}
