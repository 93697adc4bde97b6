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

/** The command of a client frame, as `ClientFrameScanner.scan()` tells it. */
export const ClientCommand = {
  Malformed: 0,
  Login: 1,
  GetContacts: 2,
  Contact: 3,
  Send: 4,
  Quit: 5,
} as const;
export type ClientCommand = (typeof ClientCommand)[keyof typeof ClientCommand];

const SPACE = 0x20;
const MALFORMED: ClientFrame = Object.freeze({ type: 'malformed' });
const GET_CONTACTS: ClientFrame = Object.freeze({ type: 'get-contacts' });

const bytesOf = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const LOGIN = bytesOf('login');
const SEND_ = bytesOf('send ');
const CONTACT_ = bytesOf('contact ');
const QUIT_ = bytesOf('quit ');
const GET_CONTACTS_BYTES = bytesOf('get contacts');

function startsWith(bytes: Uint8Array, start: number, end: number, prefix: Uint8Array): boolean {
  if (end - start < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    if (bytes[start + i] !== prefix[i]) return false;
  }
  return true;
}

/**
 * Reads client frames in place: `scan()` tells the command of `bytes[start, end)` (EOT
 * removed) and where its argument lies, without allocating, so a server can route a
 * `send` straight from the chunk it read. Only the shape is checked, as in `parseClientFrame`.
 */
export class ClientFrameScanner {
  #argumentStart = 0;
  #messageStart = 0;

  /**
   * Where the argument of the last scanned `login`, `contact`, `quit` or `send` starts
   * (the name, for `send`); it runs to the frame's end, or for `send` to `messageStart - 1`.
   * A bare `login` has an empty argument: `argumentStart` is then the frame's end.
   */
  get argumentStart(): number {
    return this.#argumentStart;
  }

  /** Where the message of the last scanned `send` starts; it runs to the frame's end and is never empty. */
  get messageStart(): number {
    return this.#messageStart;
  }

  scan(bytes: Uint8Array, start: number, end: number): ClientCommand {
    if (end === start || !hasOnlyAllowedBytes(bytes, start, end)) return ClientCommand.Malformed;
    // A prefix that ends in a space is a command word followed by the first space.
    if (startsWith(bytes, start, end, SEND_)) return this.#scanSend(bytes, start + SEND_.length, end);
    if (startsWith(bytes, start, end, LOGIN)) {
      const after = start + LOGIN.length;
      if (after === end) {
        this.#argumentStart = end;
        return ClientCommand.Login;
      }
      if (bytes[after] !== SPACE) return ClientCommand.Malformed;
      this.#argumentStart = after + 1;
      return ClientCommand.Login;
    }
    if (startsWith(bytes, start, end, CONTACT_)) {
      this.#argumentStart = start + CONTACT_.length;
      return ClientCommand.Contact;
    }
    if (startsWith(bytes, start, end, QUIT_)) {
      this.#argumentStart = start + QUIT_.length;
      return ClientCommand.Quit;
    }
    if (end - start === GET_CONTACTS_BYTES.length && startsWith(bytes, start, end, GET_CONTACTS_BYTES)) {
      return ClientCommand.GetContacts;
    }
    return ClientCommand.Malformed;
  }

  #scanSend(bytes: Uint8Array, toStart: number, end: number): ClientCommand {
    let secondSpace = toStart;
    while (secondSpace < end && bytes[secondSpace] !== SPACE) secondSpace++;
    // Both the name and a non-empty message must be there: `send bob`, `send bob ` and `send  hi` are not.
    if (secondSpace === toStart || secondSpace >= end - 1) return ClientCommand.Malformed;
    this.#argumentStart = toStart;
    this.#messageStart = secondSpace + 1;
    return ClientCommand.Send;
  }
}

const scanner = new ClientFrameScanner();

/**
 * Reads one client frame (EOT removed). Only the shape is checked here: whether a
 * username is valid, online or the sender's own is for the server to judge. A `login`
 * with no argument keeps an empty name, since the protocol answers it 102, not 100.
 */
export function parseClientFrame(frame: Buffer): ClientFrame {
  const end = frame.length;
  const argument = (): string => frame.toString('latin1', scanner.argumentStart, end);
  switch (scanner.scan(frame, 0, end)) {
    case ClientCommand.Login:
      return { type: 'login', username: argument() };
    case ClientCommand.GetContacts:
      return GET_CONTACTS;
    case ClientCommand.Contact:
      return { type: 'contact', username: argument() };
    case ClientCommand.Send:
      return {
        type: 'send',
        to: frame.toString('latin1', scanner.argumentStart, scanner.messageStart - 1),
        message: frame.subarray(scanner.messageStart),
      };
    case ClientCommand.Quit:
      return { type: 'quit', username: argument() };
    default:
      return MALFORMED;
  }
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
