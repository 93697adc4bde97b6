import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Clock } from '../../src/client/clock.js';

interface Timer {
  at: number;
  resolve: () => void;
}

/** A clock that moves only when the test says so; sleeps resolve as time passes them. */
export class FakeClock implements Clock {
  #now = 0;
  #timers: Timer[] = [];

  now(): number {
    return this.#now;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const timer: Timer = { at: this.#now + ms, resolve };
      const done = (): void => {
        this.#timers = this.#timers.filter((t) => t !== timer);
        resolve();
      };
      timer.resolve = done;
      signal?.addEventListener('abort', done, { once: true });
      this.#timers.push(timer);
    });
  }

  /** Sleeps waiting on this clock. */
  get pending(): number {
    return this.#timers.length;
  }

  /** The earliest time a sleeper is waiting for. */
  get nextAt(): number | undefined {
    return this.#timers.reduce<number | undefined>((min, t) => (min === undefined || t.at < min ? t.at : min), undefined);
  }

  /** Moves time forward, waking sleepers in time order and letting their work run. */
  async advance(ms: number): Promise<void> {
    const end = this.#now + ms;
    for (;;) {
      await settle();
      const next = this.nextAt;
      if (next === undefined || next > end) break;
      this.#now = Math.max(this.#now, next);
      for (const timer of this.#timers.filter((t) => t.at <= this.#now)) timer.resolve();
    }
    this.#now = end;
    await settle();
  }
}

/** Lets promise chains and p-queue's microtask hops run to quiescence (no real time passes). */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await nextTurn();
}
