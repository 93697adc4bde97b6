import {
  isArrayOf,
  isBoolean,
  isInteger,
  isNumberAbove,
  isObject,
  isRequired,
  isString,
  isUsername,
  plainPath,
  type Shape,
} from '../protocol/option-schema.js';
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

// Room for one message of the largest frame, so a tiny budget cannot refuse everything.
const MIN_QUEUED_BYTES = 32 * 1024;

// setTimeout cannot wait longer than this; a longer "timeout" would fire at once.
const MAX_TIMER_MS = 2_147_483_647;

/** The bounds of every limit, by path; the CLI's config schema uses these as they are. */
export const BOT_LIMITS_SHAPE = {
  concurrency: isInteger(1),
  maxQueuedPerSender: isInteger(1),
  maxQueuedBytes: isInteger(MIN_QUEUED_BYTES),
  handlerTimeoutMs: isInteger(1, MAX_TIMER_MS),
  shutdownTimeoutMs: isInteger(1, MAX_TIMER_MS),
  rate: { burst: isInteger(1), perSecond: isNumberAbove(0) },
  loopGuard: { max: isInteger(1), windowMs: isInteger(1) },
} as const satisfies Shape;

const checkLimits = isObject(BOT_LIMITS_SHAPE, 'ignore');

/** The bounds of the HTTP listener's options (`http` as an object). */
export const BOT_HTTP_SHAPE = {
  host: isString,
  port: isRequired(isInteger(0, 65_535)),
  maxBodyBytes: isInteger(1),
} as const satisfies Shape;

/** The bounds of the bot's other options (admins, fallback, the HTTP listener); the CLI's config schema uses these as they are. */
export const BOT_EXTRAS_SHAPE = {
  admins: isArrayOf(isUsername),
  fallback: isBoolean,
  http: BOT_HTTP_SHAPE,
} as const satisfies Shape;

const checkExtras = isObject(BOT_EXTRAS_SHAPE, 'ignore');

/** Rejects `admins`, `fallback` or `http` values the runtime cannot run with; errors name the option's path. */
export function checkBotExtras(options: unknown): void {
  const problem = checkExtras(options, '', plainPath);
  if (problem) throw new BotOptionError(problem.path, problem.message);
}

/**
 * Fills in defaults and rejects values the runtime cannot run with. Takes `unknown` so the
 * CLI can hand in the config file's `limits` as they are; errors name the option's path.
 */
export function resolveBotLimits(limits: unknown = {}): ResolvedBotLimits {
  const problem = checkLimits(limits, 'limits', plainPath);
  if (problem) throw new BotOptionError(problem.path, problem.message);
  const root = limits as BotLimits;
  return {
    concurrency: root.concurrency ?? DEFAULT_CONCURRENCY,
    maxQueuedPerSender: root.maxQueuedPerSender ?? DEFAULT_MAX_QUEUED_PER_SENDER,
    maxQueuedBytes: root.maxQueuedBytes ?? DEFAULT_MAX_QUEUED_BYTES,
    handlerTimeoutMs: root.handlerTimeoutMs ?? DEFAULT_HANDLER_TIMEOUT_MS,
    shutdownTimeoutMs: root.shutdownTimeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS,
    rate: {
      burst: root.rate?.burst ?? DEFAULT_RATE_BURST,
      perSecond: root.rate?.perSecond ?? DEFAULT_RATE_PER_SECOND,
    },
    loopGuard: {
      max: root.loopGuard?.max ?? DEFAULT_LOOP_GUARD_MAX,
      windowMs: root.loopGuard?.windowMs ?? DEFAULT_LOOP_GUARD_WINDOW_MS,
    },
  };
}
