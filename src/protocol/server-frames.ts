import { EOT } from './constants.js';
import { STATUS_TEXT, type StatusCode } from './status.js';

/** A frame a server sends, as the client understands it. */
export type ServerFrame =
  | { type: 'status'; code: string; text: string }
  | { type: 'contacts'; usernames: string[] }
  | { type: 'recv'; from: string; text: string }
  | { type: 'unknown'; frame: string };

const STATUS_PATTERN = /^status (\d{3}) (.*)$/s;

/** Reads one server frame (EOT removed). Anything unexpected comes back as `unknown`, never thrown. */
export function parseServerFrame(frame: Buffer): ServerFrame {
  const text = frame.toString('latin1');
  if (text.startsWith('status ')) {
    const match = STATUS_PATTERN.exec(text);
    if (match) return { type: 'status', code: match[1]!, text: match[2]! };
  } else if (text === 'contacts') {
    return { type: 'contacts', usernames: [] };
  } else if (text.startsWith('contacts ')) {
    return { type: 'contacts', usernames: text.slice('contacts '.length).split(' ') };
  } else if (text.startsWith('recv ')) {
    const nameEnd = text.indexOf(' ', 5);
    if (nameEnd > 5) return { type: 'recv', from: text.slice(5, nameEnd), text: text.slice(nameEnd + 1) };
  }
  return { type: 'unknown', frame: text };
}

const encodedStatuses = new Map<StatusCode, Buffer>();

/** `status <code> <text>` with its EOT; encoded once per code and shared, so never mutate it. */
export function encodeStatus(code: StatusCode): Buffer {
  let bytes = encodedStatuses.get(code);
  if (!bytes) {
    bytes = Buffer.from(`status ${code} ${STATUS_TEXT[code]}\x04`, 'latin1');
    encodedStatuses.set(code, bytes);
  }
  return bytes;
}

const RECV_PREFIX = Buffer.from('recv ', 'latin1');

/** `recv <from> <message>` with its EOT, the message copied byte for byte. */
export function encodeRecv(from: string, message: Uint8Array): Buffer {
  const bytes = Buffer.allocUnsafe(RECV_PREFIX.length + from.length + 1 + message.length + 1);
  let offset = RECV_PREFIX.copy(bytes, 0);
  offset += bytes.write(from, offset, 'latin1');
  bytes[offset++] = 0x20;
  bytes.set(message, offset);
  bytes[offset + message.length] = EOT;
  return bytes;
}

/**
 * `recv <from> `: what every recv frame from one sender starts with, so a server can
 * encode it once per sender and copy it in front of each message, then the EOT.
 */
export function encodeRecvPrefix(from: string): Buffer {
  return Buffer.from(`recv ${from} `, 'latin1');
}

/** `contacts <u1> <u2> ...` with its EOT, names as given (the caller sorts them). */
export function encodeContacts(usernames: readonly string[]): Buffer {
  const text = usernames.length === 0 ? 'contacts' : `contacts ${usernames.join(' ')}`;
  return Buffer.from(`${text}\x04`, 'latin1');
}
