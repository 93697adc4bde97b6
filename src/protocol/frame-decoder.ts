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

const MIN_PARTIAL_CAPACITY = 256;

/**
 * Splits a byte stream into EOT-terminated frames. Pure and incremental: feed it chunks
 * split anywhere and it hands back every whole frame, keeping only the unfinished one.
 * Each byte is scanned once and copied at most a constant number of times (amortized),
 * so decoding is linear in the bytes fed.
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number;
  // One growing buffer rather than a list of chunks: a peer trickling one byte per packet
  // must not cost an object per byte.
  #partial: Buffer | undefined;
  #partialLength = 0;
  #discarding = false;

  constructor(options: FrameDecoderOptions = {}) {
    this.#maxFrameBytes = options.maxFrameBytes ?? Infinity;
  }

  /** Bytes held for the unfinished frame (never more than the limit). */
  get bufferedBytes(): number {
    return this.#partialLength;
  }

  /**
   * Whole frames in `chunk` (with what was held before), in order. A frame that lies
   * within one chunk is a view of it, not a copy; the caller owns every frame returned.
   */
  push(chunk: Uint8Array): Array<Buffer | OversizedFrame> {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const frames: Array<Buffer | OversizedFrame> = [];
    let start = 0;
    while (start < bytes.length) {
      const eot = bytes.indexOf(EOT, start);
      const end = eot === -1 ? bytes.length : eot;
      if (this.#discarding) {
        if (eot === -1) return frames;
        this.#discarding = false;
      } else if (this.#partialLength + (end - start) > this.#maxFrameBytes) {
        this.#dropPartial();
        frames.push(OVERSIZED_FRAME);
        this.#discarding = eot === -1;
      } else if (eot === -1) {
        this.#hold(bytes, start, end);
      } else {
        frames.push(this.#completeFrame(bytes.subarray(start, eot)));
      }
      start = end + 1;
    }
    return frames;
  }

  #hold(bytes: Buffer, start: number, end: number): void {
    const needed = this.#partialLength + (end - start);
    if (!this.#partial || this.#partial.length < needed) {
      // Doubling keeps copies amortized linear; the cap keeps memory within the limit.
      const doubled = Math.max(MIN_PARTIAL_CAPACITY, needed, (this.#partial?.length ?? 0) * 2);
      const grown = Buffer.allocUnsafe(Math.min(doubled, Math.max(needed, this.#maxFrameBytes)));
      this.#partial?.copy(grown, 0, 0, this.#partialLength);
      this.#partial = grown;
    }
    bytes.copy(this.#partial, this.#partialLength, start, end);
    this.#partialLength = needed;
  }

  #completeFrame(tail: Buffer): Buffer {
    if (this.#partialLength === 0) return tail;
    this.#hold(tail, 0, tail.length);
    const frame = this.#partial!.subarray(0, this.#partialLength);
    // Handed over whole: the next partial frame starts in a fresh buffer, so this one is never overwritten.
    this.#partial = undefined;
    this.#partialLength = 0;
    return frame;
  }

  #dropPartial(): void {
    this.#partial = undefined;
    this.#partialLength = 0;
  }
}
