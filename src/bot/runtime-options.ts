import type { Clock } from '../client/clock.js';
import { usernameProblem } from '../protocol/username.js';
import type { BotClient } from './client-port.js';
import { BotOptionError } from './errors.js';
import type { BotHttpOptions } from './http-routes.js';
import { checkUniqueNames, type LoadedPlugin } from './loader.js';
import type { BotLogger } from './logger.js';
import { checkBotExtras, type BotLimits } from './options.js';
import type { CommandSpec } from './plugin.js';
import type { ScheduleClock } from './schedule.js';

export interface BotRuntimeOptions {
  /** The one client all plugins share; the runtime connects it, and quits it on stop. */
  client: BotClient;
  /** Plugins from `loadPlugins` (or `preparePlugin`), set up in this order. */
  plugins: readonly LoadedPlugin[];
  /** The bot's username; messages from it are ignored. */
  username: string;
  /** Where each plugin's store file lives (`<stateDir>/<plugin>.json`); created if missing. */
  stateDir: string;
  limits?: BotLimits;
  /** Sent to a user when a handler for their message fails; `false` sends nothing. @default 'Sorry, something went wrong handling that message. It has been logged.' */
  apology?: string | false;
  /** Receives every state change and error; the runtime itself never prints. @default silentLogger */
  logger?: BotLogger;
  /** @default systemClock */
  clock?: Clock;
  /** The wall clock that `ctx.every`, `ctx.cron` and `ctx.now` use. @default systemScheduleClock */
  scheduleClock?: ScheduleClock;
  /** Usernames that may run commands marked `admin: true`. @default [] */
  admins?: readonly string[];
  /**
   * Answer a message that no command or `hear` handler took with a hint naming the closest
   * command and `help`. @default true
   */
  fallback?: boolean;
  /** Listen for HTTP (routes from `ctx.http`); off when omitted. */
  http?: BotHttpOptions;
}

export type BotRuntimeState = 'created' | 'starting' | 'running' | 'stopping' | 'stopped';

/** Counters for health checks and the test kit. */
export interface BotRuntimeStats {
  /** Messages received and not yet started. */
  queued: number;
  /** Handlers running now. */
  running: number;
  /** Handlers given up on (timeout) that have not settled yet. */
  abandoned: number;
  /** Outgoing messages not yet settled. */
  outbox: number;
  /** Messages handed to the dispatcher since start. */
  received: number;
  /** Bytes the queued messages count against `limits.maxQueuedBytes`. */
  queuedBytes: number;
  /** Messages dropped unhandled since start (backlog, budget or shutdown); their senders were told. */
  dropped: number;
}

/** A command as registered, with the plugin it belongs to. */
export interface BotCommand {
  plugin: string;
  spec: CommandSpec;
}

/** Rejects options the runtime cannot run with, as a `BotOptionError` naming the option. */
export function checkRuntimeOptions(options: BotRuntimeOptions): void {
  const problem = usernameProblem(options.username);
  if (problem !== undefined) throw new BotOptionError('username', `the bot's username is not usable: ${problem}`);
  if (typeof options.stateDir !== 'string' || options.stateDir === '') {
    throw new BotOptionError('stateDir', 'stateDir must name a directory for the plugins\' stores');
  }
  if (options.apology !== undefined && options.apology !== false && typeof options.apology !== 'string') {
    throw new BotOptionError('apology', 'apology must be a string, or false to send none');
  }
  checkUniqueNames(options.plugins);
  checkBotExtras(options);
}
