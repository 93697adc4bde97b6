import { FrameDecoder, OVERSIZED_FRAME } from '../protocol/frame-decoder.js';
import { parseServerFrame } from '../protocol/server-frames.js';

/** Where the frames of one connection go, by kind. */
export interface ServerFrameHandlers {
  /** A `recv` frame. */
  message(from: string, text: string): void;
  /** A `status` frame; `bytes` is the whole frame, for a violation's message. */
  status(code: string, text: string, bytes: Buffer): void;
  /** A `contacts` frame. */
  contacts(usernames: string[], bytes: Buffer): void;
  /** A frame a server may not send. */
  violation(bytes: Buffer, expected: string): void;
}

/** Turns the bytes of one connection into frames, in order, and hands each to its handler. */
export class FrameDispatch {
  readonly #decoder = new FrameDecoder();
  readonly #handlers: ServerFrameHandlers;

  constructor(handlers: ServerFrameHandlers) {
    this.#handlers = handlers;
  }

  /** Handles every whole frame in `chunk`, stopping early once `live()` turns false. */
  push(chunk: Buffer, live: () => boolean): void {
    const frames = this.#decoder.push(chunk);
    for (let i = 0; i < frames.length; i++) {
      // A frame before this one may have ended the connection (a refused login, a violation, quit).
      if (!live()) return;
      const frame = frames[i]!;
      if (frame !== OVERSIZED_FRAME) this.#dispatch(frame);
    }
  }

  #dispatch(bytes: Buffer): void {
    const frame = parseServerFrame(bytes);
    switch (frame.type) {
      case 'recv':
        this.#handlers.message(frame.from, frame.text);
        return;
      case 'status':
        this.#handlers.status(frame.code, frame.text, bytes);
        return;
      case 'contacts':
        this.#handlers.contacts(frame.usernames, bytes);
        return;
      default:
        this.#handlers.violation(bytes, 'a status, contacts or recv frame was due');
    }
  }
}
