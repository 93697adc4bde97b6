import { BotOptionError } from './errors.js';

/** Senders whose messages are handled at the same time. */
export const DEFAULT_CONCURRENCY = 16;
/** Messages from one sender that may wait to be handled; more are dropped and logged. */
export const DEFAULT_MAX_QUEUED_PER_SENDER = 100;
/** Bytes all waiting messages may take together (16 MiB); past it new ones are dropped and their senders told. */
export const DEFAULT_MAX_QUEUED_BYTES = 16 * 1024 * 1024;
/** How long one handler may run before it is abandoned and its signal aborted. */
export const DEFAULT_HANDLER_TIMEOUT_MS = 30_000;
/** How long shutdown waits for running handlers and the outbox together. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;
/** Messages the bot may send one recipient back to back. */
export const DEFAULT_RATE_BURST = 10;
/** Messages per second to one recipient once the burst is spent. */
export const DEFAULT_RATE_PER_SECOND = 5;
/** Times the same text may go to the same recipient within the window. */
export const DEFAULT_LOOP_GUARD_MAX = 10;
export const DEFAULT_LOOP_GUARD_WINDOW_MS = 60_000;
/** What a sender gets when a handler for their message fails. */
export const DEFAULT_APOLOGY = 'Sorry, something went wrong handling that message. It has been logged.';

export interface RateLimit {
  /** Messages one recipient may get back to back. @default 10 */
  burst?: number;
  /** Sustained messages per second to one recipient (fractions allowed). @default 5 */
  perSecond?: number;
}

export interface LoopGuardLimit {
  /** The same text to the same recipient more than this many times in the window is held back. @default 10 */
  max?: number;
  /** @default 60000 */
  windowMs?: number;
}

export interface BotLimits {
  /** Different senders handled at the same time; one sender is always one at a time. @default 16 */
  concurrency?: number;
  /**
   * Messages from one sender waiting behind the one being handled, at most; past it new ones
   * are dropped and logged (\`messages-dropped\`) and the sender told, so one flooding sender
   * cannot take the whole of \`maxQueuedBytes\`.
   * @default 100
   */
  maxQueuedPerSender?: number;
  /**
   * Bytes that messages waiting their turn may take, all senders together (each counts its
   * text and sender name plus 128 bytes of bookkeeping); past it new messages are dropped and
   * logged, and their senders told, so a flood from many senders cannot grow memory without
   * bound. @default 16777216 (16 MiB)
   */
  maxQueuedBytes?: number;
  /** A handler running longer is abandoned: its signal aborts, its sender's next message starts. @default 30000 */
  handlerTimeoutMs?: number;
  /** Shutdown waits this long for running handlers and the outbox before giving up on them. @default 10000 */
  shutdownTimeoutMs?: number;
  /** Outbound limit per recipient (a token bucket). */
  rate?: RateLimit;
  /** Holds back repeated identical messages, so two bots cannot ping-pong forever. */
  loopGuard?: LoopGuardLimit;
}

export interface ResolvedBotLimits {
  concurrency: number;
  maxQueuedPerSender: number;
  maxQueuedBytes: number;
  handlerTimeoutMs: number;
  shutdownTimeoutMs: number;
  rate: Required<RateLimit>;
  loopGuard: Required<LoopGuardLimit>;
}

export const BOT_LIMIT_DEFAULTS: Readonly<ResolvedBotLimits> = Object.freeze({
  concurrency: DEFAULT_CONCURRENCY,
  maxQueuedPerSender: DEFAULT_MAX_QUEUED_PER_SENDER,
  maxQueuedBytes: DEFAULT_MAX_QUEUED_BYTES,
  handlerTimeoutMs: DEFAULT_HANDLER_TIMEOUT_MS,
  shutdownTimeoutMs: DEFAULT_SHUTDOWN_TIMEOUT_MS,
  rate: Object.freeze({ burst: DEFAULT_RATE_BURST, perSecond: DEFAULT_RATE_PER_SECOND }),
  loopGuard: Object.freeze({ max: DEFAULT_LOOP_GUARD_MAX, windowMs: DEFAULT_LOOP_GUARD_WINDOW_MS }),
});

// Room for one message of the largest frame, so a tiny budget cannot refuse everything.
const MIN_QUEUED_BYTES = 32 * 1024;

// setTimeout cannot wait longer than this; a longer "timeout" would fire at once.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Fills in defaults and rejects values the runtime cannot run with. Takes `unknown` so the
 * CLI can hand in the config file's `limits` as they are; errors name the option's path.
 */
export function resolveBotLimits(limits: unknown = {}): ResolvedBotLimits {
  const root = objectAt('limits', limits);
  const rate = objectAt('limits.rate', root.rate);
  const loopGuard = objectAt('limits.loopGuard', root.loopGuard);
  return {
    concurrency: integerAt('limits.concurrency', root.concurrency, DEFAULT_CONCURRENCY, 1),
    maxQueuedPerSender: integerAt('limits.maxQueuedPerSender', root.maxQueuedPerSender, DEFAULT_MAX_QUEUED_PER_SENDER, 1),
    maxQueuedBytes: integerAt('limits.maxQueuedBytes', root.maxQueuedBytes, DEFAULT_MAX_QUEUED_BYTES, MIN_QUEUED_BYTES),
    handlerTimeoutMs: integerAt('limits.handlerTimeoutMs', root.handlerTimeoutMs, DEFAULT_HANDLER_TIMEOUT_MS, 1, MAX_TIMER_MS),
    shutdownTimeoutMs: integerAt('limits.shutdownTimeoutMs', root.shutdownTimeoutMs, DEFAULT_SHUTDOWN_TIMEOUT_MS, 1, MAX_TIMER_MS),
    rate: {
      burst: integerAt('limits.rate.burst', rate.burst, DEFAULT_RATE_BURST, 1),
      perSecond: positiveAt('limits.rate.perSecond', rate.perSecond, DEFAULT_RATE_PER_SECOND),
    },
    loopGuard: {
      max: integerAt('limits.loopGuard.max', loopGuard.max, DEFAULT_LOOP_GUARD_MAX, 1),
      windowMs: integerAt('limits.loopGuard.windowMs', loopGuard.windowMs, DEFAULT_LOOP_GUARD_WINDOW_MS, 1),
    },
  };
}

function objectAt(path: string, value: unknown): Record<string, unknown> {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new BotOptionError(path, `${path} must be an object, got ${JSON.stringify(value)}`);
  }
  return value as Record<string, unknown>;
}

function integerAt(path: string, value: unknown, fallback: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
    throw new BotOptionError(path, `${path} must be ${range}, got ${JSON.stringify(value)}`);
  }
  return value;
}

function positiveAt(path: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new BotOptionError(path, `${path} must be a number above 0, got ${JSON.stringify(value)}`);
  }
  return value;
}
