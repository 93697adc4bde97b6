import type { Clock } from '../client/clock.js';

/** Why messages were dropped before a handler saw them. */
export const DropReason = {
  /** The sender already had `limits.maxQueuedPerSender` messages waiting. */
  SenderBacklog: 'sender-backlog',
  /** All waiting messages together were at `limits.maxQueuedBytes`. */
  Overloaded: 'overloaded',
  /** Shutdown came before they were started. */
  Shutdown: 'shutdown',
} as const;

export type DropReason = (typeof DropReason)[keyof typeof DropReason];

/** Drops of one sender's messages, to be logged and told to the sender. */
export interface DropReport {
  sender: string;
  reason: DropReason;
  count: number;
}

export interface DropNoticesOptions {
  /** At most one report per sender within this long; drops in between are counted for the next. */
  intervalMs: number;
  clock: Clock;
  report(report: DropReport): void;
}

interface Told {
  toldAt: number;
  /** Drops since the last report. */
  pending: number;
  reason: DropReason;
}

/**
 * Counts dropped messages per sender and reports them at most once per interval per sender:
 * the first drop at once, later ones when the interval is up (or at `flush`), so a flood gets
 * one notice a minute, not one per message, and every drop is reported in the end. Memory is
 * one entry per sender told within the last interval; one timer at a time.
 */
export class DropNotices {
  readonly #options: DropNoticesOptions;
  // Insertion order is report order (an entry is re-inserted when reported), so the first is due first.
  readonly #told = new Map<string, Told>();
  #timer: AbortController | undefined;

  constructor(options: DropNoticesOptions) {
    this.#options = options;
  }

  /** Records `count` dropped messages from `sender`. */
  dropped(sender: string, reason: DropReason, count = 1): void {
    const now = this.#options.clock.now();
    const told = this.#told.get(sender);
    if (told === undefined || now - told.toldAt >= this.#options.intervalMs) {
      this.#report(sender, reason, (told?.pending ?? 0) + count, now);
    } else {
      told.pending += count;
      told.reason = reason;
    }
    this.#arm();
  }

  /** Reports every drop not yet reported, now, and stops the timer (for shutdown). */
  flush(): void {
    this.#timer?.abort();
    this.#timer = undefined;
    const told = [...this.#told];
    this.#told.clear();
    for (const [sender, { pending, reason }] of told) {
      if (pending > 0) this.#options.report({ sender, reason, count: pending });
    }
  }

  #report(sender: string, reason: DropReason, count: number, now: number): void {
    this.#told.delete(sender);
    this.#told.set(sender, { toldAt: now, pending: 0, reason });
    this.#options.report({ sender, reason, count });
  }

  #arm(): void {
    const first = this.#told.values().next();
    if (this.#timer !== undefined || first.done === true) return;
    const timer = new AbortController();
    this.#timer = timer;
    const wait = Math.max(0, first.value.toldAt + this.#options.intervalMs - this.#options.clock.now());
    void this.#options.clock.sleep(wait, timer.signal).then(() => {
      if (timer.signal.aborted) return;
      this.#timer = undefined;
      this.#due();
    });
  }

  #due(): void {
    const now = this.#options.clock.now();
    for (const [sender, told] of this.#told) {
      if (now - told.toldAt < this.#options.intervalMs) break;
      if (told.pending > 0) this.#report(sender, told.reason, told.pending, now);
      else this.#told.delete(sender);
    }
    this.#arm();
  }
}

/** What the bot tells a sender whose messages were dropped. */
export function dropNotice({ reason, count }: DropReport): string {
  const messages = count === 1 ? '1 message of yours was' : `${count} messages of yours were`;
  switch (reason) {
    case DropReason.SenderBacklog:
      return `Sorry, you sent messages faster than I can handle them: ${messages} dropped unanswered. Please wait for my replies before sending more.`;
    case DropReason.Overloaded:
      return `Sorry, I am overloaded: ${messages} dropped unanswered. Please send again in a minute.`;
    case DropReason.Shutdown:
      return `Sorry, I am shutting down: ${messages} not handled. Please send again once I am back.`;
  }
}
