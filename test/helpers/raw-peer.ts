import { connect, type Socket } from 'node:net';
import { connect as connectTls, type ConnectionOptions } from 'node:tls';
import { EotFrames } from './eot-frames.js';

/** Anything that runs cleanup when a test ends; node:test's TestContext is one. */
export interface Cleanup {
  after(fn: () => unknown): void;
}

export interface RawPeerOptions {
  host?: string;
  /** The local address to connect from, e.g. 127.0.0.2 to count as another address. */
  localAddress?: string;
  /** When false, nothing is read until `startReading()`, like a client that never reads. @default true */
  read?: boolean;
}

interface Waiter {
  count: number;
  resolve: (frames: string[]) => void;
  reject: (error: Error) => void;
}

/**
 * A raw TCP peer of a Sup server: writes exact bytes and hands back the frames that come
 * back, as latin1 text (one character per byte, EOT removed). Its own EOT splitting is
 * deliberately independent of src/protocol, so the tests do not trust the code under test.
 */
export class RawPeer {
  readonly socket: Socket;
  /** Every byte received so far, for exact-bytes assertions. */
  receivedBytes = 0;
  readonly #frames: string[] = [];
  readonly #split = new EotFrames();
  #waiter: Waiter | undefined;
  #isClosed = false;
  #closeError: Error | undefined;
  readonly #closed: Promise<void>;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('error', (error) => {
      this.#closeError = error;
    });
    this.#closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.#isClosed = true;
        this.#settle();
        resolve();
      });
    });
  }

  /** Opens a connection to 127.0.0.1:port; `cleanup` destroys it when the test ends. */
  static connect(port: number, cleanup: Cleanup, options: RawPeerOptions = {}): Promise<RawPeer> {
    const socket = connect({ port, host: options.host ?? '127.0.0.1', localAddress: options.localAddress });
    return RawPeer.#opened(socket, 'connect', cleanup, options.read !== false);
  }

  /**
   * Opens a TLS connection to 127.0.0.1:port (servername localhost); resolves once the
   * handshake is done, rejects if it fails.
   */
  static connectTls(port: number, cleanup: Cleanup, tls: ConnectionOptions): Promise<RawPeer> {
    const socket = connectTls({ port, host: '127.0.0.1', servername: 'localhost', ...tls });
    return RawPeer.#opened(socket, 'secureConnect', cleanup, true);
  }

  /** A peer on `socket`, destroyed when the test ends; resolves once `ready` fires. */
  static #opened(socket: Socket, ready: 'connect' | 'secureConnect', cleanup: Cleanup, read: boolean): Promise<RawPeer> {
    const peer = new RawPeer(socket);
    cleanup.after(() => peer.destroy());
    if (read) peer.startReading();
    return new Promise((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      socket.once('error', onError);
      socket.once(ready, () => {
        socket.off('error', onError);
        resolve(peer);
      });
    });
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** The error the socket failed with, if it did (a reset, for instance). */
  get closeError(): Error | undefined {
    return this.#closeError;
  }

  /** Resolves when the connection has closed, whichever side closed it. */
  get closed(): Promise<void> {
    return this.#closed;
  }

  startReading(): void {
    if (this.socket.listenerCount('data') === 0) this.socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.socket.resume();
  }

  /** Writes bytes exactly; a string is taken as latin1 (one byte per character). */
  write(bytes: string | Uint8Array): boolean {
    return this.socket.write(typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : bytes);
  }

  /** Writes each text followed by EOT, all in one write. */
  send(...frames: string[]): boolean {
    return this.write(frames.map((frame) => `${frame}\x04`).join(''));
  }

  /** The next `count` frames, in order; rejects if the connection closes before they all arrive. */
  frames(count: number): Promise<string[]> {
    if (this.#waiter) throw new Error('RawPeer: only one frames() call may wait at a time');
    return new Promise((resolve, reject) => {
      this.#waiter = { count, resolve, reject };
      this.#settle();
    });
  }

  async frame(): Promise<string> {
    const [frame] = await this.frames(1);
    return frame!;
  }

  /** Sends the frames, then resolves with the next `count` frames received. */
  request(frames: string | string[], count = Array.isArray(frames) ? frames.length : 1): Promise<string[]> {
    this.send(...(Array.isArray(frames) ? frames : [frames]));
    return this.frames(count);
  }

  /** Every frame left once the connection closes, and the bytes after the last EOT (if any). */
  async rest(): Promise<{ frames: string[]; trailing: string }> {
    await this.#closed;
    const frames = this.#frames.splice(0);
    return { frames, trailing: this.#split.trailing };
  }

  /** Frames received but not yet taken by `frames()`. */
  get pending(): readonly string[] {
    return this.#frames;
  }

  destroy(): void {
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.receivedBytes += chunk.length;
    for (const frame of this.#split.push(chunk)) this.#frames.push(frame);
    this.#settle();
  }

  #settle(): void {
    const waiter = this.#waiter;
    if (!waiter) return;
    if (this.#frames.length >= waiter.count) {
      this.#waiter = undefined;
      waiter.resolve(this.#frames.splice(0, waiter.count));
    } else if (this.#isClosed) {
      this.#waiter = undefined;
      const why = this.#closeError ? ` (${this.#closeError.message})` : '';
      waiter.reject(
        new Error(
          `connection closed${why} after ${this.#frames.length} of ${waiter.count} awaited frames: ` +
            JSON.stringify(this.#frames),
        ),
      );
    }
  }
}
