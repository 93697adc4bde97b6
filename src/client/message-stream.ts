import { Fifo } from './fifo.js';

/**
 * An async iterator fed by pushes: what is pushed before anyone asks waits in order, and
 * `end()` lets the consumer finish what is buffered before it sees `done`.
 */
export class MessageStream<T> implements AsyncIterableIterator<T> {
  readonly #buffer = new Fifo<T>();
  readonly #waiters = new Fifo<(result: IteratorResult<T>) => void>();
  readonly #onReturn: (stream: MessageStream<T>) => void;
  #ended = false;

  constructor(onReturn: (stream: MessageStream<T>) => void) {
    this.#onReturn = onReturn;
  }

  push(value: T): void {
    if (this.#ended) return;
    const waiter = this.#waiters.shift();
    if (waiter) waiter({ value, done: false });
    else this.#buffer.push(value);
  }

  end(): void {
    this.#ended = true;
    for (let waiter = this.#waiters.shift(); waiter; waiter = this.#waiters.shift()) {
      waiter({ value: undefined, done: true });
    }
  }

  next(): Promise<IteratorResult<T>> {
    if (this.#buffer.length > 0) return Promise.resolve({ value: this.#buffer.shift()!, done: false });
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Called by `break` in a for-await loop: stop listening and drop what is buffered. */
  return(): Promise<IteratorResult<T>> {
    this.#buffer.drain();
    this.end();
    this.#onReturn(this);
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
