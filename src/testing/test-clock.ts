import type { ScheduleClock } from '../bot/schedule.js';

interface PendingTimer {
  at: number;
  order: number;
  fire: () => void | Promise<void>;
}

/**
 * The test kit's wall clock: schedules (`ctx.every`, `ctx.cron`) and `ctx.now()` see this time,
 * and it moves only when the test calls `advance`. Nothing sleeps.
 */
export class TestClock implements ScheduleClock {
  #now: number;
  #timers: PendingTimer[] = [];
  #order = 0;

  constructor(start: Date | number | string = Date.now()) {
    const ms = start instanceof Date ? start.getTime() : typeof start === 'string' ? Date.parse(start) : start;
    if (!Number.isFinite(ms)) throw new TypeError(`TestClock: ${String(start)} is not a time; give a Date, epoch ms or an ISO string`);
    this.#now = ms;
  }

  now(): number {
    return this.#now;
  }

  /** The current time as a Date. */
  date(): Date {
    return new Date(this.#now);
  }

  timer(at: number, fire: () => void | Promise<void>): () => void {
    const timer: PendingTimer = { at, order: this.#order++, fire };
    this.#timers.push(timer);
    return () => {
      this.#timers = this.#timers.filter((t) => t !== timer);
    };
  }

  /** Timers waiting on this clock. */
  get pending(): number {
    return this.#timers.length;
  }

  /**
   * Moves time forward by `ms`, firing each timer that comes due in time order and waiting for
   * the run it starts (a job, and whatever it awaits) before moving on.
   */
  async advance(ms: number): Promise<void> {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) {
      throw new TypeError(`advance(ms): ms must be a number of at least 0, got ${String(ms)}`);
    }
    await this.advanceTo(this.#now + ms);
  }

  /** Moves time forward to `time` (never back), as `advance` does. */
  async advanceTo(time: Date | number | string): Promise<void> {
    const end = time instanceof Date ? time.getTime() : typeof time === 'string' ? Date.parse(time) : time;
    if (!Number.isFinite(end) || end < this.#now) {
      throw new TypeError(`advanceTo: ${String(time)} is not a time at or after ${new Date(this.#now).toISOString()}`);
    }
    for (;;) {
      const next = this.#earliest(end);
      if (next === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== next);
      this.#now = Math.max(this.#now, next.at);
      await next.fire();
    }
    // Another advance may have moved past `end` while a run held this one.
    this.#now = Math.max(this.#now, end);
  }

  #earliest(end: number): PendingTimer | undefined {
    let best: PendingTimer | undefined;
    for (const timer of this.#timers) {
      if (timer.at > end) continue;
      if (best === undefined || timer.at < best.at || (timer.at === best.at && timer.order < best.order)) best = timer;
    }
    return best;
  }
}
