import { EOT } from './constants.js';
import { hasOnlyAllowedBytes } from './frame-bytes.js';

/** A frame a client sends, as the server understands it. */
export type ClientFrame =
  | { type: 'login'; username: string }
  | { type: 'get-contacts' }
  | { type: 'contact'; username: string }
  | { type: 'send'; to: string; message: Buffer }
  | { type: 'quit'; username: string }
  | { type: 'malformed' };

const SPACE = 0x20;
const MALFORMED: ClientFrame = Object.freeze({ type: 'malformed' });
const GET_CONTACTS: ClientFrame = Object.freeze({ type: 'get-contacts' });
const GET_CONTACTS_BYTES = Buffer.from('get contacts', 'latin1');

function commandIs(frame: Buffer, end: number, command: string): boolean {
  if (end !== command.length) return false;
  for (let i = 0; i < end; i++) {
    if (frame[i] !== command.charCodeAt(i)) return false;
  }
  return true;
}

/**
 * Reads one client frame (EOT removed). Only the shape is checked here: whether a
 * username is valid, online or the sender's own is for the server to judge. A `login`
 * with no argument keeps an empty name, since the protocol answers it 102, not 100.
 */
export function parseClientFrame(frame: Buffer): ClientFrame {
  if (frame.length === 0 || !hasOnlyAllowedBytes(frame)) return MALFORMED;
  const space = frame.indexOf(SPACE);
  const commandEnd = space === -1 ? frame.length : space;
  const argument = (): string => frame.toString('latin1', commandEnd + 1);

  if (commandIs(frame, commandEnd, 'login')) {
    return { type: 'login', username: space === -1 ? '' : argument() };
  }
  if (space === -1) return MALFORMED;
  if (commandIs(frame, commandEnd, 'send')) return parseSend(frame, space);
  if (commandIs(frame, commandEnd, 'contact')) return { type: 'contact', username: argument() };
  if (commandIs(frame, commandEnd, 'quit')) return { type: 'quit', username: argument() };
  if (frame.equals(GET_CONTACTS_BYTES)) return GET_CONTACTS;
  return MALFORMED;
}

function parseSend(frame: Buffer, firstSpace: number): ClientFrame {
  const toStart = firstSpace + 1;
  const secondSpace = frame.indexOf(SPACE, toStart);
  // Both the name and a non-empty message must be there: `send bob`, `send bob ` and `send  hi` are not.
  if (secondSpace === -1 || secondSpace === toStart || secondSpace === frame.length - 1) return MALFORMED;
  return {
    type: 'send',
    to: frame.toString('latin1', toStart, secondSpace),
    message: frame.subarray(secondSpace + 1),
  };
}

function frame(text: string): Buffer {
  const bytes = Buffer.allocUnsafe(text.length + 1);
  bytes.write(text, 0, 'latin1');
  bytes[text.length] = EOT;
  return bytes;
}

/** Encoders for every client frame, EOT included. Callers check the text can travel first. */
export const encodeClientFrame = {
  login: (username: string): Buffer => frame(`login ${username}`),
  getContacts: (): Buffer => frame('get contacts'),
  contact: (username: string): Buffer => frame(`contact ${username}`),
  send: (to: string, message: string): Buffer => frame(`send ${to} ${message}`),
  quit: (username: string): Buffer => frame(`quit ${username}`),
} as const;
