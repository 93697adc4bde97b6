import type { Clock } from '../client/clock.js';

/** A point in time that several waits share; each wait ends at the latest there. */
export class Deadline {
  readonly #clock: Clock;
  readonly #end: number;

  constructor(clock: Clock, ms: number) {
    this.#clock = clock;
    this.#end = clock.now() + ms;
  }

  /** True if `promise` settled (resolved) before the deadline; rethrows if it rejected in time. */
  async race(promise: Promise<unknown>): Promise<boolean> {
    const timer = new AbortController();
    const remaining = Math.max(0, this.#end - this.#clock.now());
    try {
      return await Promise.race([
        promise.then(() => true),
        this.#clock.sleep(remaining, timer.signal).then(() => false),
      ]);
    } finally {
      timer.abort();
    }
  }
}
