import { EOT } from './constants.js';

/** Stands in the decoder's output where a frame ran over the limit and was dropped. */
export const OVERSIZED_FRAME: unique symbol = Symbol('sup.oversized-frame');
export type OversizedFrame = typeof OVERSIZED_FRAME;

/** What `FrameDecoder.next()` found. */
export const FrameKind = {
  /** Nothing more until the next `feed()`. */
  None: 0,
  /** A whole frame, at `frameBytes[frameStart, frameEnd)`. */
  Frame: 1,
  /** A frame over the limit, dropped. */
  Oversized: 2,
} as const;
export type FrameKind = (typeof FrameKind)[keyof typeof FrameKind];

export interface FrameDecoderOptions {
  /**
   * The longest frame kept, EOT not counted; a longer one is reported once as
   * `OVERSIZED_FRAME` and its bytes are dropped up to the next EOT.
   * @default Infinity
   */
  maxFrameBytes?: number;
}

const MIN_PARTIAL_CAPACITY = 256;
const EMPTY = Buffer.alloc(0);

/**
 * Splits a byte stream into EOT-terminated frames. Pure and incremental: feed it chunks
 * split anywhere and it hands back every whole frame, keeping only the unfinished one.
 * Each byte is scanned once and copied at most a constant number of times (amortized),
 * so decoding is linear in the bytes fed.
 *
 * Two ways to use it: `push(chunk)` returns the frames as an array; `feed(chunk)` then
 * `next()` until `FrameKind.None` walks them in place, without allocating, and lets the
 * caller stop between frames (a server pausing a connection) and carry on later.
 */
export class FrameDecoder {
  readonly #maxFrameBytes: number;
  // One growing buffer rather than a list of chunks: a peer trickling one byte per packet
  // must not cost an object per byte.
  #partial: Buffer | undefined;
  #partialLength = 0;
  #discarding = false;
  #chunk: Buffer | undefined;
  #offset = 0;
  #frameBytes: Buffer = EMPTY;
  #frameStart = 0;
  #frameEnd = 0;

  constructor(options: FrameDecoderOptions = {}) {
    this.#maxFrameBytes = options.maxFrameBytes ?? Infinity;
  }

  /** Bytes held for the unfinished frame (never more than the limit). */
  get bufferedBytes(): number {
    return this.#partialLength;
  }

  /**
   * True when the decoder holds nothing: no unfinished frame, nothing fed left to walk,
   * no oversized frame being skipped. An empty decoder can be handed to another stream.
   */
  get isEmpty(): boolean {
    return this.#partialLength === 0 && !this.#discarding && this.#chunk === undefined;
  }

  /** The buffer holding the frame the last `next()` returned; valid until the next `next()`. */
  get frameBytes(): Buffer {
    return this.#frameBytes;
  }

  get frameStart(): number {
    return this.#frameStart;
  }

  get frameEnd(): number {
    return this.#frameEnd;
  }

  /**
   * Whole frames in `chunk` (with what was held before), in order. A frame that lies
   * within one chunk is a view of it, not a copy; the caller owns every frame returned.
   */
  push(chunk: Uint8Array): Array<Buffer | OversizedFrame> {
    this.feed(chunk);
    const frames: Array<Buffer | OversizedFrame> = [];
    for (let kind = this.next(); kind !== FrameKind.None; kind = this.next()) {
      frames.push(kind === FrameKind.Oversized ? OVERSIZED_FRAME : this.#frameBytes.subarray(this.#frameStart, this.#frameEnd));
    }
    return frames;
  }

  /** Queues `chunk` for `next()`. The decoder keeps a reference to it, not a copy, until it is scanned. */
  feed(chunk: Uint8Array): void {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    if (this.#chunk === undefined) {
      this.#chunk = bytes;
      this.#offset = 0;
    } else {
      // Fed again before the last chunk was walked to the end: keep both, in order.
      this.#chunk = Buffer.concat([this.#chunk.subarray(this.#offset), bytes]);
      this.#offset = 0;
    }
  }

  /**
   * Scans on to the next whole (or oversized) frame of what was fed. A frame that lies
   * within one chunk is located in that chunk, not copied; one assembled across chunks is
   * in a buffer of its own, which the caller may keep.
   */
  next(): FrameKind {
    const bytes = this.#chunk;
    if (bytes === undefined) return FrameKind.None;
    let start = this.#offset;
    while (start < bytes.length) {
      const eot = bytes.indexOf(EOT, start);
      const end = eot === -1 ? bytes.length : eot;
      this.#offset = end + 1;
      if (this.#discarding) {
        if (eot === -1) break;
        this.#discarding = false;
      } else if (this.#partialLength + (end - start) > this.#maxFrameBytes) {
        this.#dropPartial();
        this.#discarding = eot === -1;
        return FrameKind.Oversized;
      } else if (eot === -1) {
        this.#hold(bytes, start, end);
        break;
      } else {
        this.#completeFrame(bytes, start, eot);
        return FrameKind.Frame;
      }
      start = end + 1;
    }
    // Walked to the end: nothing of it is kept, so an idle connection holds no input.
    this.#chunk = undefined;
    this.#offset = 0;
    this.#frameBytes = EMPTY;
    return FrameKind.None;
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

  #completeFrame(bytes: Buffer, start: number, end: number): void {
    if (this.#partialLength === 0) {
      this.#frameBytes = bytes;
      this.#frameStart = start;
      this.#frameEnd = end;
      return;
    }
    this.#hold(bytes, start, end);
    this.#frameBytes = this.#partial!;
    this.#frameStart = 0;
    this.#frameEnd = this.#partialLength;
    // Handed over whole: the next partial frame starts in a fresh buffer, so this one is never overwritten.
    this.#partial = undefined;
    this.#partialLength = 0;
  }

  #dropPartial(): void {
    this.#partial = undefined;
    this.#partialLength = 0;
  }
}
