import { FrameDecoder, type FrameKind } from '../protocol/frame-decoder.js';
import type { Connection } from './connection.js';
import type { IdleReaper } from './idle-reaper.js';
import type { OutputBudget } from './output-budget.js';

// A turn that has produced this much output yields to the other connections: `get contacts` is ~1,000 bytes out per byte in.
const FAIR_SHARE_BYTES = 16 * 1024;

export interface ConnectionHandler {
  /**
   * One frame from the peer: `bytes[start, end)`, EOT removed, or an oversized frame that
   * was dropped (`kind` is `FrameKind.Oversized`). The bytes are valid only during the call.
   */
  frame(connection: Connection, kind: FrameKind, bytes: Buffer, start: number, end: number): void;
  /**
   * Called once, as soon as the connection can take no more frames nor messages: quit,
   * the peer hung up, or it was destroyed. Its user is offline from here on.
   */
  offline(connection: Connection): void | Promise<void>;
  /** Called once, when the socket has closed. */
  closed(connection: Connection): void;
  /** Called just before a peer that stopped reading is closed for holding more unsent output than `maxOutputBytes`. */
  slowConsumer(connection: Connection): void;
}

export interface ConnectionLimits {
  readonly maxFrameBytes: number;
  readonly maxOutputBytes: number;
  /** Above this much unsent output, reading stops until the socket drains. */
  readonly outputHighWaterMark: number;
}

/**
 * What the connections of one server share: who answers their frames, their limits, the
 * output budget, the idle reaper's sweep count, a spare decoder.
 */
export class ConnectionGroup {
  readonly handler: ConnectionHandler;
  readonly limits: ConnectionLimits;
  readonly budget: OutputBudget<Connection>;
  readonly reaper: IdleReaper<Connection>;
  /** Output one connection may produce in one turn before the others get theirs. */
  readonly fairShareBytes: number;
  #spareDecoder: FrameDecoder | undefined;

  constructor(handler: ConnectionHandler, limits: ConnectionLimits, budget: OutputBudget<Connection>, reaper: IdleReaper<Connection>) {
    this.handler = handler;
    this.limits = limits;
    this.budget = budget;
    this.reaper = reaper;
    this.fairShareBytes = Math.min(FAIR_SHARE_BYTES, limits.outputHighWaterMark);
  }

  /**
   * An empty decoder for one read. Most reads end on a frame boundary, so one decoder lent
   * in turn serves every such connection; only one that stops mid-frame keeps its own.
   */
  lendDecoder(): FrameDecoder {
    const decoder = this.#spareDecoder ?? new FrameDecoder(this.limits);
    this.#spareDecoder = undefined;
    return decoder;
  }

  /** Takes back a decoder that holds nothing. */
  returnDecoder(decoder: FrameDecoder): void {
    this.#spareDecoder = decoder;
  }
}
