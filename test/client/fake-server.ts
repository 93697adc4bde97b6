import type { Socket } from 'node:net';
import { EotFrames, eotBytes } from '../helpers/eot-frames.js';
import { LocalListener } from '../helpers/local-listener.js';
import type { Cleanup } from '../helpers/raw-peer.js';

export type { Cleanup };

/**
 * A scripted stand-in for a Sup server, for what the real one does too well: never answer,
 * answer byte by byte, drop a connection mid-request. It speaks raw bytes; its own EOT
 * splitting is independent of src/protocol, so the tests do not trust the code under test.
 */
export class FakeServer {
  readonly #listener: LocalListener;
  readonly #peers: Waitable<FakePeer>;

  private constructor(listener: LocalListener, peers: Waitable<FakePeer>) {
    this.#listener = listener;
    this.#peers = peers;
  }

  get port(): number {
    return this.#listener.port;
  }

  /** Listens on 127.0.0.1, any free port; `cleanup` closes it and every connection when the test ends. */
  static async start(cleanup: Cleanup): Promise<FakeServer> {
    const peers = new Waitable<FakePeer>();
    const listener = await LocalListener.start(cleanup, (socket) => peers.push(new FakePeer(socket)));
    return new FakeServer(listener, peers);
  }

  /** The next connection accepted (or one already accepted and not yet taken). */
  nextPeer(): Promise<FakePeer> {
    return this.#peers.next();
  }

  close(): Promise<void> {
    return this.#listener.close();
  }
}

/** One client connection as the fake server sees it. */
export class FakePeer {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  readonly #frames = new Waitable<string>();
  readonly #split = new EotFrames();

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('error', () => socket.destroy());
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
    void this.closed.then(() => this.#frames.fail(new Error('the client closed the connection')));
  }

  /** The next frame the client sent, as latin1 text without its EOT; rejects if the connection closes first. */
  frame(): Promise<string> {
    return this.#frames.next();
  }

  /** The next `count` frames, in order. */
  async frames(count: number): Promise<string[]> {
    const frames: string[] = [];
    for (let i = 0; i < count; i++) frames.push(await this.frame());
    return frames;
  }

  /** Writes each text followed by EOT, all in one write. */
  send(...frames: string[]): void {
    this.socket.write(eotBytes(frames));
  }

  /** Writes each text followed by EOT one byte per write, each flushed before the next. */
  async sendByteByByte(...frames: string[]): Promise<void> {
    const bytes = eotBytes(frames);
    for (const byte of bytes) {
      await new Promise<void>((resolve, reject) =>
        this.socket.write(Buffer.of(byte), (error) => (error ? reject(error) : resolve())),
      );
    }
  }

  /** Writes the frames, then closes this end once they are flushed (FIN, not a reset). */
  hangUp(...frames: string[]): void {
    this.socket.end(eotBytes(frames));
  }

  destroy(): void {
    this.socket.destroy();
  }

  #onData(chunk: Buffer): void {
    for (const frame of this.#split.push(chunk)) this.#frames.push(frame);
  }

}

/** Values in arrival order, handed to whoever waits for the next one. */
class Waitable<T> {
  readonly #values: T[] = [];
  readonly #waiters: Array<{ resolve: (value: T) => void; reject: (error: Error) => void }> = [];
  #error: Error | undefined;

  push(value: T): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter.resolve(value);
    else this.#values.push(value);
  }

  fail(error: Error): void {
    this.#error = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
  }

  next(): Promise<T> {
    if (this.#values.length > 0) return Promise.resolve(this.#values.shift()!);
    if (this.#error) return Promise.reject(this.#error);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }
}
