import { createNodeTransport } from '../../src/client/node-transport.js';
import type { Transport, TransportConnection, TransportHandlers, TransportTarget } from '../../src/client/transport.js';

/** Real TCP, but every chunk read is handed to the client cut into the pieces `split` makes. */
export function splittingTransport(split: (chunk: Buffer) => Buffer[]): Transport {
  const inner = createNodeTransport();
  return {
    connect: (target, handlers) =>
      inner.connect(target, {
        data: (chunk) => {
          for (const piece of split(chunk)) handlers.data(piece);
        },
        close: handlers.close,
      }),
  };
}

export const oneByteAtATime = (chunk: Buffer): Buffer[] => [...chunk].map((byte) => Buffer.of(byte));

/** Splits at pseudo-random points, reproducibly (mulberry32). */
export function randomSplits(seed: number): (chunk: Buffer) => Buffer[] {
  let state = seed >>> 0;
  const random = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  return (chunk) => {
    const pieces: Buffer[] = [];
    let start = 0;
    while (start < chunk.length) {
      const end = Math.min(chunk.length, start + 1 + Math.floor(random() * 24));
      pieces.push(chunk.subarray(start, end));
      start = end;
    }
    return pieces;
  };
}

/**
 * Real TCP the test can steer: hold new dials until released, and cut the live connection
 * from the client's side (as a network failure would).
 */
export class ControlledTransport implements Transport {
  readonly #inner = createNodeTransport();
  #gate: Promise<void> | undefined;
  /** The most recent connection opened. */
  current: TransportConnection | undefined;
  dials = 0;

  /** New dials wait until the returned function is called. */
  hold(): () => void {
    let release!: () => void;
    this.#gate = new Promise((resolve) => {
      release = resolve;
    });
    return () => {
      this.#gate = undefined;
      release();
    };
  }

  async connect(target: TransportTarget, handlers: TransportHandlers): Promise<TransportConnection> {
    this.dials++;
    if (this.#gate) await this.#gate;
    const connection = await this.#inner.connect(target, handlers);
    this.current = connection;
    return connection;
  }
}
