import { DEFAULT_HOST, DEFAULT_MAX_FRAME_BYTES, DEFAULT_PORT } from '../protocol/constants.js';
import {
  isInteger,
  isNumberAtLeast,
  isString,
  show,
  type Check,
  type PathStyle,
  type Shape,
} from '../protocol/option-schema.js';
import { usernameProblem } from '../protocol/username.js';
import { SupInvalidArgumentError } from './errors.js';
import { systemClock, type Clock } from './clock.js';
import { createNodeTransport, type ClientTlsOptions } from './node-transport.js';
import type { Transport } from './transport.js';

/** How the client reconnects; every field is optional. */
export interface ReconnectOptions {
  /** Ceiling of the first retry delay (the delay is drawn from 0 up to the ceiling). @default 250 */
  initialDelayMs?: number;
  /**
   * No retry delay exceeds this: after an outage the client is back within this long of the
   * server's return. Lower means quicker returns but more connects per second at a restarted
   * server (clients / maxDelayMs on average, spread by full jitter). @default 5000
   */
  maxDelayMs?: number;
  /** How much the delay ceiling grows per failed attempt. @default 2 */
  multiplier?: number;
  /** A connection online this long counts as stable: the attempt count starts again from 1. @default 10000 */
  stableAfterMs?: number;
  /** Attempts in a row (the first connect included) before giving up; `Infinity` never gives up. @default Infinity */
  maxAttempts?: number;
}

/** What happens to requests written but unanswered when the connection drops. */
export type OnReconnect = 'resend' | 'reject';

export interface SupClientOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** @default 7877 */
  port?: number;
  /** The name to log in with (1 to 32 of `A-Z a-z 0-9 _ - .`). */
  username: string;
  /**
   * Reconnect with capped, jittered exponential backoff when the connection fails or drops,
   * the first connect included. `false` for one-shot use: the first failure is final.
   * @default true
   */
  reconnect?: boolean | ReconnectOptions;
  /** How long a request may take in total, queued and in flight, before it rejects with SUP_REQUEST_TIMEOUT. @default 30000 */
  requestTimeoutMs?: number;
  /** How long one attempt may take to connect and get the login answered. @default 10000 */
  connectTimeoutMs?: number;
  /** Requests written but not yet answered, at most (the pipelining window). @default 256 */
  maxInFlight?: number;
  /** Requests that may wait while not online; past it new ones reject at once with SUP_QUEUE_FULL. @default 1000 */
  offlineQueueLimit?: number;
  /** How long a request may wait while not online before it rejects with SUP_QUEUE_TIMEOUT. @default 30000 */
  offlineQueueTimeoutMs?: number;
  /**
   * Requests written but unanswered when the connection drops: `'resend'` writes them again,
   * in order and before newer ones, once logged in again (at-least-once: a duplicate is
   * possible for those only); `'reject'` fails each `send` with SUP_DELIVERY_UNKNOWN instead
   * (queries, being harmless to repeat, are always resent).
   * @default 'resend'
   */
  onReconnect?: OnReconnect;
  /** After this long with nothing received or nothing written, probe the server with `contact <own name>` (which also keeps its idle timeout away); 0 turns probing off. @default 30000 */
  idleProbeMs?: number;
  /** With a probe out, nothing received for this long means the connection is dead: drop it and reconnect. @default 10000 */
  probeTimeoutMs?: number;
  /** The server's frame limit, EOT not counted: longer messages are refused before they are sent. @default 16384 */
  maxFrameBytes?: number;
  /**
   * Speak TLS: `true` verifies the server's certificate with the system's CAs; an object
   * gives the CA, a client certificate and key (PEM), `servername` or `rejectUnauthorized`.
   * Not together with `transport` (give `createNodeTransport({ tls })` there instead).
   * @default plain TCP
   */
  tls?: true | ClientTlsOptions;
  /** How connections are opened. @default createNodeTransport({ tls }) */
  transport?: Transport;
  /** Time for deadlines, probes and backoff; tests hand in a fake one. @default systemClock */
  clock?: Clock;
}

export interface ResolvedReconnectOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  stableAfterMs: number;
  maxAttempts: number;
}

export interface ResolvedClientOptions {
  host: string;
  port: number;
  username: string;
  reconnect: ResolvedReconnectOptions | false;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  maxInFlight: number;
  offlineQueueLimit: number;
  offlineQueueTimeoutMs: number;
  onReconnect: OnReconnect;
  idleProbeMs: number;
  probeTimeoutMs: number;
  maxFrameBytes: number;
  transport: Transport;
  clock: Clock;
}

export const RECONNECT_DEFAULTS: Readonly<ResolvedReconnectOptions> = Object.freeze({
  initialDelayMs: 250,
  // Low, so a bot or `sup listen` is back within seconds; full jitter spreads the crowd.
  maxDelayMs: 5_000,
  multiplier: 2,
  stableAfterMs: 10_000,
  maxAttempts: Infinity,
});

export const CLIENT_DEFAULTS = Object.freeze({
  host: DEFAULT_HOST,
  port: DEFAULT_PORT,
  requestTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
  maxInFlight: 256,
  offlineQueueLimit: 1000,
  offlineQueueTimeoutMs: 30_000,
  onReconnect: 'resend' as OnReconnect,
  idleProbeMs: 30_000,
  probeTimeoutMs: 10_000,
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
});

/** The bounds of every plain option, by name; the CLI's config schema uses these as they are. */
export const CLIENT_OPTIONS_SHAPE = {
  host: isString,
  port: isInteger(1, 65_535),
  requestTimeoutMs: isInteger(1, undefined, true),
  connectTimeoutMs: isInteger(1, undefined, true),
  maxInFlight: isInteger(1),
  offlineQueueLimit: isInteger(0, undefined, true),
  offlineQueueTimeoutMs: isInteger(0, undefined, true),
  idleProbeMs: isInteger(0),
  probeTimeoutMs: isInteger(1),
  maxFrameBytes: isInteger(64),
} as const satisfies Shape;

/** The bounds of `reconnect` when it is an object (`maxDelayMs` is also at least `initialDelayMs`). */
export const RECONNECT_OPTIONS_SHAPE = {
  initialDelayMs: isInteger(1),
  maxDelayMs: isInteger(1),
  multiplier: isNumberAtLeast(1),
  stableAfterMs: isInteger(0),
  maxAttempts: isInteger(1, undefined, true),
} as const satisfies Shape;

const optionPath: PathStyle = (path) => `option ${path}`;

function invalid(name: string, expected: string, value: unknown): SupInvalidArgumentError {
  return new SupInvalidArgumentError(name, `${optionPath(name)} must be ${expected}, got ${show(value)}`);
}

/** `value` if `check` passes it, else the option error naming `path`. */
function checked<T>(check: Check, path: string, value: T): T {
  const problem = check(value, path, optionPath);
  if (problem) throw new SupInvalidArgumentError(problem.path, problem.message);
  return value;
}

/** Fills in defaults and refuses values the client cannot run with, before any connection. */
export function resolveClientOptions(options: SupClientOptions): ResolvedClientOptions {
  if (typeof options !== 'object' || options === null) {
    throw new SupInvalidArgumentError('options', 'SupClient needs an options object with at least a username');
  }
  const username = options.username;
  const problem = typeof username === 'string' ? usernameProblem(username) : 'a username is required';
  if (problem !== undefined) {
    throw new SupInvalidArgumentError('username', `invalid username ${JSON.stringify(username)}: ${problem}`);
  }
  const plain = {} as Record<keyof typeof CLIENT_OPTIONS_SHAPE, unknown>;
  for (const key of Object.keys(CLIENT_OPTIONS_SHAPE) as Array<keyof typeof CLIENT_OPTIONS_SHAPE>) {
    plain[key] = checked(CLIENT_OPTIONS_SHAPE[key], key, options[key] ?? CLIENT_DEFAULTS[key]);
  }
  const onReconnect = options.onReconnect ?? CLIENT_DEFAULTS.onReconnect;
  if (onReconnect !== 'resend' && onReconnect !== 'reject') throw invalid('onReconnect', "'resend' or 'reject'", onReconnect);
  const tls = options.tls;
  if (tls !== undefined && tls !== true && (typeof tls !== 'object' || tls === null)) throw invalid('tls', 'true or an object', tls);
  if (tls !== undefined && options.transport !== undefined) {
    throw invalid('tls', 'left out when a transport is given (pass it to createNodeTransport({ tls }) instead)', 'both');
  }
  const transport = options.transport ?? createNodeTransport(tls === undefined ? {} : { tls });
  if (typeof transport?.connect !== 'function') throw invalid('transport', 'an object with a connect() method', transport);
  const clock = options.clock ?? systemClock;
  if (typeof clock?.now !== 'function' || typeof clock.sleep !== 'function') {
    throw invalid('clock', 'an object with now() and sleep() methods', clock);
  }
  return {
    ...(plain as Pick<ResolvedClientOptions, keyof typeof CLIENT_OPTIONS_SHAPE>),
    username,
    reconnect: resolveReconnect(options.reconnect ?? true),
    onReconnect,
    transport,
    clock,
  };
}

function resolveReconnect(reconnect: boolean | ReconnectOptions): ResolvedReconnectOptions | false {
  if (reconnect === false) return false;
  const given = reconnect === true ? {} : reconnect;
  if (typeof given !== 'object' || given === null) throw invalid('reconnect', 'true, false or an object', reconnect);
  const field = <K extends keyof ResolvedReconnectOptions>(key: K, fallback: number): number =>
    checked(RECONNECT_OPTIONS_SHAPE[key], `reconnect.${key}`, given[key] ?? fallback);
  const initialDelayMs = field('initialDelayMs', RECONNECT_DEFAULTS.initialDelayMs);
  const maxDelayMs = checked(
    isInteger(initialDelayMs),
    'reconnect.maxDelayMs',
    field('maxDelayMs', Math.max(RECONNECT_DEFAULTS.maxDelayMs, initialDelayMs)),
  );
  return {
    initialDelayMs,
    maxDelayMs,
    multiplier: field('multiplier', RECONNECT_DEFAULTS.multiplier),
    stableAfterMs: field('stableAfterMs', RECONNECT_DEFAULTS.stableAfterMs),
    maxAttempts: field('maxAttempts', RECONNECT_DEFAULTS.maxAttempts),
  };
}
