import type { Socket } from 'node:net';
import { FrameDecoder, type OversizedFrame } from '../protocol/frame-decoder.js';

export interface ConnectionHandler {
  frame(connection: Connection, frame: Buffer | OversizedFrame): void;
  /**
   * Called once, as soon as the connection can take no more frames nor messages: quit,
   * the peer hung up, or it was destroyed. Its user is offline from here on.
   */
  offline(connection: Connection): void;
  /** Called once, when the socket has closed. */
  closed(connection: Connection): void;
}

export interface ConnectionLimits {
  maxFrameBytes: number;
  maxOutputBytes: number;
  keepAliveMs: number;
}

// Lingering after `quit` or a half-close is bounded, for a peer that never reads or closes.
const LINGER_MS = 2_000;

/**
 * One client socket: frames in, bytes out. Writes made in one tick go out corked, as one
 * writev; reading pauses while the peer is not taking our output, so a client that
 * pipelines without reading is never buffered without bound.
 */
export class Connection {
  readonly socket: Socket;
  /** The logged-in name, or undefined before login. */
  username: string | undefined;
  loginTimer: NodeJS.Timeout | undefined;

  readonly #handler: ConnectionHandler;
  readonly #decoder: FrameDecoder;
  readonly #maxOutputBytes: number;
  #backlog: Array<Buffer | OversizedFrame> = [];
  #backlogIndex = 0;
  #corked = false;
  #ending = false;
  #lingerTimer: NodeJS.Timeout | undefined;
  #isOffline = false;
  readonly #closed: Promise<void>;

  constructor(socket: Socket, handler: ConnectionHandler, limits: ConnectionLimits) {
    this.socket = socket;
    this.#handler = handler;
    this.#maxOutputBytes = limits.maxOutputBytes;
    this.#decoder = new FrameDecoder({ maxFrameBytes: limits.maxFrameBytes });
    socket.setNoDelay(true);
    socket.setKeepAlive(true, limits.keepAliveMs);
    socket.on('data', (chunk: Buffer) => this.#read(chunk));
    socket.on('drain', () => this.#drain());
    socket.on('error', () => this.destroy());
    // Every frame before the peer's FIN has been answered by now (a paused socket defers 'end');
    // node ends our side once the answers are flushed.
    socket.on('end', () => this.#hangUp());
    this.#closed = new Promise((resolve) => {
      socket.on('close', () => {
        clearTimeout(this.#lingerTimer);
        this.#goOffline();
        handler.closed(this);
        resolve();
      });
    });
  }

  /** Resolves once the socket has closed and the handler has been told. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  /** Bytes written to this connection that the socket has not yet handed to the kernel. */
  get unsentBytes(): number {
    return this.socket.writableLength;
  }

  /** True once the connection is closing or closed: nothing more is read or written. */
  get ending(): boolean {
    return this.#ending || this.socket.destroyed || this.socket.writableEnded;
  }

  /** Queues bytes for the peer; they leave with everything else written this tick. */
  write(bytes: Buffer): void {
    if (this.ending) return;
    if (!this.#corked) {
      this.#corked = true;
      this.socket.cork();
      process.nextTick(uncork, this);
    }
    this.socket.write(bytes);
  }

  /**
   * Queues a frame from another user. If the peer already holds too much unsent output,
   * it is a slow consumer: it is closed instead, and false says nothing was queued.
   */
  deliver(bytes: Buffer): boolean {
    if (this.ending) return false;
    if (this.socket.writableLength + bytes.length > this.#maxOutputBytes) {
      this.destroy();
      return false;
    }
    this.write(bytes);
    return true;
  }

  /** Sends what is queued, then closes; frames still unread are ignored. The user is offline at once. */
  end(): void {
    if (this.ending) return;
    this.#ending = true;
    this.#uncork();
    this.socket.end();
    this.#backlog = [];
    this.#lingerTimer = setTimeout(destroySocket, LINGER_MS, this.socket).unref();
    this.#goOffline();
  }

  /** Closes at once, unsent output dropped; the user is offline before this returns. */
  destroy(): void {
    this.#ending = true;
    this.#backlog = [];
    this.socket.destroy();
    // Not on the later 'close' event: a frame handled before it must already find the user gone.
    this.#goOffline();
  }

  #hangUp(): void {
    clearTimeout(this.#lingerTimer);
    this.#lingerTimer = setTimeout(destroySocket, LINGER_MS, this.socket).unref();
    this.#goOffline();
  }

  #goOffline(): void {
    if (this.#isOffline) return;
    this.#isOffline = true;
    this.#handler.offline(this);
  }

  #uncork(): void {
    if (!this.#corked) return;
    this.#corked = false;
    this.socket.uncork();
  }

  static uncork(connection: Connection): void {
    connection.#uncork();
  }

  #read(chunk: Buffer): void {
    if (this.ending) return;
    const frames = this.#decoder.push(chunk);
    if (this.#backlogIndex < this.#backlog.length) {
      for (const frame of frames) this.#backlog.push(frame);
    } else {
      this.#backlog = frames;
      this.#backlogIndex = 0;
    }
    this.#handleBacklog();
  }

  #handleBacklog(): void {
    while (this.#backlogIndex < this.#backlog.length && !this.ending) {
      if (this.socket.writableNeedDrain) {
        // Resumed by 'drain'; frames already read wait here, in order.
        this.socket.pause();
        return;
      }
      const frame = this.#backlog[this.#backlogIndex++]!;
      this.#handler.frame(this, frame);
    }
    this.#backlog = [];
    this.#backlogIndex = 0;
  }

  #drain(): void {
    if (this.ending) return;
    this.#handleBacklog();
    if (this.#backlogIndex >= this.#backlog.length && this.socket.isPaused()) this.socket.resume();
  }
}

const uncork = (connection: Connection): void => Connection.uncork(connection);

function destroySocket(socket: Socket): void {
  socket.destroy();
}
