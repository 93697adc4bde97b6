import { createRequire } from 'node:module';
import type { BotLogger } from './logger.js';

/**
 * Wall-clock time for schedules, injected so the test kit can move it by hand. Timers are
 * callbacks, not promises, so a fake clock knows the moment a job starts and can wait for it.
 */
export interface ScheduleClock {
  /** Milliseconds since the epoch. */
  now(): number;
  /**
   * Calls `fire` once, when `now()` has reached `at`; returns a function that cancels it.
   * `fire` may return the run it started, for a fake clock to wait on.
   */
  timer(at: number, fire: () => void | Promise<void>): () => void;
}

// Re-checking the wall clock at least this often follows clock jumps (suspend, NTP) and
// stays far under setTimeout's 24.8-day limit.
const MAX_TIMER_SLICE_MS = 60_000;

/** The real wall clock. */
export const systemScheduleClock: ScheduleClock = {
  now: () => Date.now(),
  timer(at, fire) {
    let handle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      const remaining = at - Date.now();
      if (remaining <= 0) {
        handle = undefined;
        void fire();
        return;
      }
      handle = setTimeout(arm, Math.min(remaining, MAX_TIMER_SLICE_MS));
    };
    arm();
    return () => clearTimeout(handle);
  },
};

/** What a scheduled function gets. */
export interface JobRun {
  /** When this run was due. */
  readonly scheduledAt: Date;
  /** Aborted when the bot starts shutting down. */
  readonly signal: AbortSignal;
}

/** A scheduled function; a run that throws or rejects is logged, and the schedule goes on. */
export type JobFunction = (run: JobRun) => void | Promise<void>;

/** A scheduled job, as `ctx.every` and `ctx.cron` return it. */
export interface ScheduledJob {
  /** Names the job in logs: the given name, else `every <ms>ms` or the cron pattern. */
  readonly name: string;
  /** When it runs next; undefined once stopped (or when a cron pattern has no later time). */
  readonly nextRun: Date | undefined;
  /** True while a run is in progress. */
  readonly running: boolean;
  /** Cancels later runs; a run in progress finishes. */
  stop(): void;
}

export interface EveryOptions {
  /** Names the job in logs. @default `every <ms>ms` */
  name?: string;
}

export interface CronOptions {
  /** An IANA time zone such as `Europe/Berlin`. @default the system's time zone */
  timezone?: string;
  /** Names the job in logs. @default the pattern */
  name?: string;
}

export interface SchedulerOptions {
  clock: ScheduleClock;
  logger: BotLogger;
  /** Handed to each run; aborted when the bot shuts down. */
  signal: AbortSignal;
}

interface CronEvaluator {
  nextRun(previous?: Date): Date | null;
}

type CronConstructor = new (pattern: string, options: { timezone?: string }) => CronEvaluator;

let cronConstructor: CronConstructor | undefined;

// Loaded on first use, synchronously so a bad pattern fails in setup: bots that never
// schedule (and the one-shot CLI) never load croner.
function loadCron(): CronConstructor {
  cronConstructor ??= (createRequire(import.meta.url)('croner') as { Cron: CronConstructor }).Cron;
  return cronConstructor;
}

/**
 * Runs plugins' timed jobs: fixed-rate intervals and cron patterns. A job never runs twice at
 * once (a run still going when the next is due makes that one skip, with a log line), a run
 * that fails is logged like a handler error, and `stop` cancels everything.
 */
export class Scheduler {
  readonly #options: SchedulerOptions;
  readonly #jobs = new Set<Job>();
  readonly #runs = new Set<Promise<void>>();
  #stopped = false;

  constructor(options: SchedulerOptions) {
    this.#options = options;
  }

  /** Runs `fn` every `ms` milliseconds, first `ms` from now. Throws on bad arguments. */
  every(plugin: string, ms: number, fn: JobFunction, options: EveryOptions = {}): ScheduledJob {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 1) {
      throw new TypeError(`every(ms, fn): ms must be a number of milliseconds of at least 1, got ${String(ms)}`);
    }
    const name = jobName(options.name, `every ${ms}ms`);
    let due = this.#options.clock.now();
    return this.#add(plugin, name, fn, () => {
      due += ms;
      // After a stall (a blocked event loop, a suspended machine), skip ahead instead of bunching.
      const now = this.#options.clock.now();
      if (due < now) due = now + ms - ((now - due) % ms);
      return due;
    });
  }

  /** Runs `fn` at each time the cron pattern names (croner syntax). Throws on a bad pattern or zone. */
  cron(plugin: string, pattern: string, fn: JobFunction, options: CronOptions = {}): ScheduledJob {
    if (typeof pattern !== 'string' || pattern.trim() === '') {
      throw new TypeError(`cron(pattern, fn): the pattern must be a string such as '0 9 * * 1-5', got ${JSON.stringify(pattern)}`);
    }
    if (options.timezone !== undefined && typeof options.timezone !== 'string') {
      throw new TypeError(`cron('${pattern}'): timezone must be an IANA name such as 'Europe/Berlin'`);
    }
    let evaluator: CronEvaluator;
    try {
      evaluator = new (loadCron())(pattern, options.timezone === undefined ? {} : { timezone: options.timezone });
      // An unknown zone only shows when a time is computed.
      evaluator.nextRun(new Date(this.#options.clock.now()));
    } catch (error) {
      throw new TypeError(`cron('${pattern}'): ${(error as Error).message}; write five fields (minute hour day month weekday), such as '0 9 * * 1-5', and an IANA zone such as 'Europe/Berlin'`, {
        cause: error,
      });
    }
    const name = jobName(options.name, pattern);
    return this.#add(plugin, name, fn, () => evaluator.nextRun(new Date(this.#options.clock.now()))?.getTime());
  }

  /** Cancels every job; runs in progress go on (see `idle`). */
  stop(): void {
    this.#stopped = true;
    for (const job of this.#jobs) job.stop();
  }

  /** Resolves once no run is in progress. */
  async idle(): Promise<void> {
    while (this.#runs.size > 0) await Promise.allSettled([...this.#runs]);
  }

  /** Runs in progress. */
  get running(): number {
    return this.#runs.size;
  }

  #add(plugin: string, name: string, fn: JobFunction, next: () => number | undefined): ScheduledJob {
    if (typeof fn !== 'function') throw new TypeError(`schedule "${name}": the job must be a function`);
    if (this.#stopped) throw new TypeError(`schedule "${name}": the bot is shutting down; schedule nothing new`);
    const job: Job = new Job(name, next, (scheduledAt): Promise<void> | undefined => this.#run(plugin, job, fn, scheduledAt), this.#options.clock, () =>
      this.#jobs.delete(job),
    );
    this.#jobs.add(job);
    job.arm();
    return job;
  }

  #run(plugin: string, job: Job, fn: JobFunction, scheduledAt: number): Promise<void> | undefined {
    if (job.running) {
      job.skipped++;
      return undefined;
    }
    job.running = true;
    const run = Promise.resolve()
      .then(() => fn(Object.freeze({ scheduledAt: new Date(scheduledAt), signal: this.#options.signal })))
      .catch((error: unknown) => this.#options.logger.error('schedule-failed', { plugin, job: job.name, error }))
      .finally(() => {
        job.running = false;
        this.#runs.delete(run);
        // One line per overrun, not one per skipped tick.
        if (job.skipped > 0) this.#options.logger.warn('schedule-skipped', { plugin, job: job.name, skipped: job.skipped, reason: 'the run before was still going' });
        job.skipped = 0;
      });
    this.#runs.add(run);
    return run;
  }
}

class Job implements ScheduledJob {
  readonly name: string;
  running = false;
  skipped = 0;
  readonly #next: () => number | undefined;
  readonly #fire: (scheduledAt: number) => Promise<void> | undefined;
  readonly #clock: ScheduleClock;
  readonly #forget: () => void;
  #at: number | undefined;
  #cancel: (() => void) | undefined;

  constructor(
    name: string,
    next: () => number | undefined,
    fire: (scheduledAt: number) => Promise<void> | undefined,
    clock: ScheduleClock,
    forget: () => void,
  ) {
    this.name = name;
    this.#next = next;
    this.#fire = fire;
    this.#clock = clock;
    this.#forget = forget;
  }

  get nextRun(): Date | undefined {
    return this.#at === undefined ? undefined : new Date(this.#at);
  }

  arm(): void {
    const at = this.#next();
    this.#at = at;
    if (at === undefined) {
      this.#forget();
      return;
    }
    this.#cancel = this.#clock.timer(at, () => {
      // The next time is armed first, so a slow run cannot delay the schedule.
      this.arm();
      return this.#fire(at);
    });
  }

  stop(): void {
    this.#cancel?.();
    this.#cancel = undefined;
    this.#at = undefined;
    this.#forget();
  }
}

function jobName(given: string | undefined, fallback: string): string {
  return typeof given === 'string' && given !== '' ? given : fallback;
}
