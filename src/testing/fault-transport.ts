import { createNodeTransport } from '../client/node-transport.js';
import type { Transport, TransportConnection, TransportHandlers, TransportTarget } from '../client/transport.js';

/**
 * The plain TCP transport with switches for tests: cut the current connection, and hold new
 * connection attempts until released (so a test can act while the bot is sure to be offline).
 */
export class FaultTransport implements Transport {
  readonly #inner: Transport = createNodeTransport();
  #current: TransportConnection | undefined;
  #held: Promise<void> | undefined;
  #release: (() => void) | undefined;

  async connect(target: TransportTarget, handlers: TransportHandlers): Promise<TransportConnection> {
    while (this.#held !== undefined) await abortable(this.#held, target.signal);
    let connection: TransportConnection | undefined;
    connection = await this.#inner.connect(target, {
      data: handlers.data,
      close: (error) => {
        if (this.#current === connection) this.#current = undefined;
        handlers.close(error);
      },
    });
    this.#current = connection;
    return connection;
  }

  /** Cuts the open connection, as a network failure would; false if none was open. */
  drop(): boolean {
    const connection = this.#current;
    if (connection === undefined) return false;
    this.#current = undefined;
    connection.close();
    return true;
  }

  /** Lets held attempts go, if any. */
  releaseHold(): void {
    this.#release?.();
  }

  /** Makes new connection attempts wait until the returned function is called. */
  hold(): () => void {
    if (this.#release === undefined) {
      this.#held = new Promise((resolve) => {
        this.#release = () => {
          this.#held = undefined;
          this.#release = undefined;
          resolve();
        };
      });
    }
    const release = this.#release!;
    return () => release();
  }
}

function abortable(promise: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}
