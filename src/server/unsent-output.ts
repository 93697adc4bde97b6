import type { Socket } from 'node:net';
import { EOT } from '../protocol/constants.js';

// `recv ` in ASCII: the frames that carry messages.
const RECV = Buffer.from('recv ', 'latin1');

interface SocketInternals {
  _handle?: { writeQueueSize?: number } | null;
  writableBuffer?: Array<{ chunk: { length: number } }>;
}

/**
 * Bytes the socket holds that the kernel has not taken. `writableLength` also counts the
 * part of a write in progress that the kernel already has; node keeps the rest of that
 * write in its handle, so queued chunks plus that rest is exact. Falls back to `writableLength`.
 */
export function unsentSocketBytes(socket: Socket): number {
  const { _handle: handle, writableBuffer } = socket as unknown as SocketInternals;
  const inHandle = handle?.writeQueueSize;
  if (typeof inHandle !== 'number' || !Array.isArray(writableBuffer)) return socket.writableLength;
  let queued = inHandle;
  for (const entry of writableBuffer) queued += entry.chunk.length;
  return Math.min(queued, socket.writableLength);
}

/** How many `recv` frames end within `bytes[start, end)`, which starts on a frame boundary. */
export function countRecvFrames(bytes: Buffer, start: number, end: number): number {
  let count = 0;
  let frameStart = start;
  while (frameStart < end) {
    const eot = bytes.indexOf(EOT, frameStart);
    if (eot === -1 || eot >= end) break;
    if (isRecv(bytes, frameStart)) count++;
    frameStart = eot + 1;
  }
  return count;
}

function isRecv(bytes: Buffer, at: number): boolean {
  for (let i = 0; i < RECV.length; i++) {
    if (bytes[at + i] !== RECV[i]) return false;
  }
  return true;
}

/**
 * The chunks a backed-up socket may still hold, oldest first, so the messages it would drop
 * can be counted. Every chunk holds whole frames; only the last `unsent` bytes are unsent.
 * Kept only while a socket is behind, so a connection the kernel keeps up with holds none.
 */
export class UnsentChunks {
  #chunks: Buffer[] = [];
  #bytes = 0;

  /** Records `chunk`, just written, with `unsent` bytes still queued in the socket; lets go of chunks wholly sent. */
  add(chunk: Buffer, unsent: number): void {
    this.#chunks.push(chunk);
    this.#bytes += chunk.length;
    this.trim(unsent);
  }

  /** Lets go of the oldest chunks while the rest still cover the `unsent` bytes. */
  trim(unsent: number): void {
    const chunks = this.#chunks;
    let drop = 0;
    while (drop < chunks.length - 1 && this.#bytes - chunks[drop]!.length >= unsent) this.#bytes -= chunks[drop++]!.length;
    if (unsent === 0 && chunks.length > 0) {
      drop = chunks.length;
      this.#bytes = 0;
    }
    if (drop > 0) chunks.splice(0, drop);
  }

  /** The `recv` frames not wholly sent when the socket still holds the last `unsent` bytes. */
  countRecv(unsent: number): number {
    // A frame is sent once its EOT is: count those whose EOT lies in the unsent tail.
    let offset = 0;
    const sentUpTo = this.#bytes - unsent;
    let count = 0;
    for (const chunk of this.#chunks) {
      const chunkEnd = offset + chunk.length;
      if (chunkEnd > sentUpTo) {
        count += countRecvFrames(chunk, 0, chunk.length);
        if (offset < sentUpTo) count -= countRecvFrames(chunk, 0, sentUpTo - offset);
      }
      offset = chunkEnd;
    }
    return count;
  }
}
