import { performance } from 'node:perf_hooks';

// Cancelled slots at the front are dropped in bulk, once they are this many and half the queue.
const COMPACT_AFTER = 1024;

/**
 * Expires items a fixed time after they were added, unless cancelled first: the login
 * timeout of every connection. One timer for all rather than one each, since with a single
 * timeout deadlines come due in the order items were added, and a queue in that order is enough.
 */
export class Deadlines<T> {
  readonly #timeoutMs: number;
  readonly #expire: (item: T) => void;
  #items: Array<T | undefined> = [];
  #deadlines: number[] = [];
  #head = 0;
  // Items added and neither expired nor cancelled: at zero the timer stops, so an idle server holds none.
  #waiting = 0;
  // The ticket of #items[0]; tickets keep counting up as the front is dropped.
  #firstTicket = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(timeoutMs: number, expire: (item: T) => void) {
    this.#timeoutMs = timeoutMs;
    this.#expire = expire;
  }

  /** Items waiting to expire. */
  get size(): number {
    return this.#waiting;
  }

  /** Starts the clock for `item`; the ticket cancels it. */
  add(item: T): number {
    const ticket = this.#firstTicket + this.#items.length;
    this.#items.push(item);
    this.#deadlines.push(performance.now() + this.#timeoutMs);
    this.#waiting++;
    this.#timer ??= setTimeout(Deadlines.#fire<T>, this.#timeoutMs, this);
    return ticket;
  }

  /** Stops the clock for the item of `ticket`, and lets go of it; a ticket already spent is ignored. */
  cancel(ticket: number): void {
    const index = ticket - this.#firstTicket;
    if (index < this.#head || index >= this.#items.length || this.#items[index] === undefined) return;
    this.#items[index] = undefined;
    if (--this.#waiting === 0) this.clear();
  }

  /** Cancels everything and stops the timer. */
  clear(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#firstTicket += this.#items.length;
    this.#items = [];
    this.#deadlines = [];
    this.#head = 0;
    this.#waiting = 0;
  }

  static #fire<T>(deadlines: Deadlines<T>): void {
    deadlines.#timer = undefined;
    deadlines.#expireDue();
  }

  #expireDue(): void {
    const now = performance.now();
    const items = this.#items;
    while (this.#head < items.length && this.#deadlines[this.#head]! <= now) {
      const item = items[this.#head];
      items[this.#head++] = undefined;
      if (item === undefined) continue;
      this.#waiting--;
      this.#expire(item);
      // Cleared from within `expire`: the queue is a new one, with its own timer.
      if (this.#items !== items) return;
    }
    if (this.#waiting === 0) {
      this.clear();
      return;
    }
    if (this.#head >= COMPACT_AFTER && this.#head * 2 >= items.length) {
      items.splice(0, this.#head);
      this.#deadlines.splice(0, this.#head);
      this.#firstTicket += this.#head;
      this.#head = 0;
    }
    // At least 1 ms: the timer clock can run a little behind performance.now().
    const wait = Math.max(1, Math.ceil(this.#deadlines[this.#head]! - now));
    this.#timer ??= setTimeout(Deadlines.#fire<T>, wait, this);
  }
}
