import { EOT } from './constants.js';

/** Stands in the decoder's output where a frame ran over the limit and was dropped. */
export const OVERSIZED_FRAME: unique symbol = Symbol('sup.oversized-frame');
export type OversizedFrame = typeof OVERSIZED_FRAME;

export interface FrameDecoderOptions {
  /**
   * The longest frame kept, EOT not counted; a longer one is reported once as
   * `OVERSIZED_FRAME` and its bytes are dropped up to the next EOT.
   * @default Infinity
   */
  maxFrameBytes?: number;
}

/**
 * Splits a byte stream into EOT-terminated frames. Pure and incremental: feed it chunks
 * split anywhere and it hands back every whole frame, keeping only the unfinished one.
 * Each byte is scanned once, so decoding is linear in the bytes fed.
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number;
  #partial: Buffer[] = [];
  #partialLength = 0;
  #discarding = false;

  constructor(options: FrameDecoderOptions = {}) {
    this.#maxFrameBytes = options.maxFrameBytes ?? Infinity;
  }

  /** Bytes held for the unfinished frame (never more than the limit). */
  get bufferedBytes(): number {
    return this.#partialLength;
  }

  /** Whole frames in `chunk` (with what was held before), in order; frames are views, not copies. */
  push(chunk: Buffer): Array<Buffer | OversizedFrame> {
    const frames: Array<Buffer | OversizedFrame> = [];
    let start = 0;
    while (start < chunk.length) {
      const eot = chunk.indexOf(EOT, start);
      const end = eot === -1 ? chunk.length : eot;
      if (this.#discarding) {
        if (eot === -1) return frames;
        this.#discarding = false;
      } else if (this.#partialLength + (end - start) > this.#maxFrameBytes) {
        this.#dropPartial();
        frames.push(OVERSIZED_FRAME);
        this.#discarding = eot === -1;
      } else if (eot === -1) {
        // Copied so that a short tail does not pin the whole chunk in memory.
        this.#partial.push(Buffer.from(chunk.subarray(start)));
        this.#partialLength += end - start;
      } else {
        frames.push(this.#completeFrame(chunk.subarray(start, eot)));
      }
      start = end + 1;
    }
    return frames;
  }

  #completeFrame(tail: Buffer): Buffer {
    if (this.#partialLength === 0) return tail;
    this.#partial.push(tail);
    const frame = Buffer.concat(this.#partial, this.#partialLength + tail.length);
    this.#dropPartial();
    return frame;
  }

  #dropPartial(): void {
    this.#partial = [];
    this.#partialLength = 0;
  }
}
