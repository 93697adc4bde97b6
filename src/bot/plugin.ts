import type { PluginHttp } from './http-routes.js';
import type { BotLogger } from './logger.js';
import type { CronOptions, EveryOptions, JobFunction, ScheduledJob } from './schedule.js';

/**
 * Turns the raw options from the config file (or the test kit) into the plugin's typed
 * options. It throws an Error whose message says which option is wrong and what is expected;
 * the loader wraps it into a `PluginLoadError` naming the plugin, before anything connects.
 */
export type OptionsValidator<T> = (raw: unknown) => T;

/** Undoes what `setup` did (timers, connections); run in reverse order of setup at shutdown. */
export type Disposer = () => void | Promise<void>;

/** What became of a message the bot sent. */
export type SendOutcome =
  /** The server answered 000: the message was queued on the recipient's connection. */
  | 'delivered'
  /** The server answered 104: the recipient is not online; nothing was delivered. */
  | 'offline'
  /** The loop guard held it back (the same text to the same recipient too often); it was logged. */
  | 'held';

/** A chat message handed to a handler. */
export interface BotMessage {
  /** The sender's username. */
  readonly from: string;
  /** The text, byte for byte as it was sent. */
  readonly text: string;
  readonly receivedAt: Date;
  /** Aborted when the handler overruns its timeout, or when shutdown runs out of time. */
  readonly signal: AbortSignal;
  /** Sends `text` back to the sender, after this handler's earlier replies. */
  reply(text: string): Promise<SendOutcome>;
}

/** A message that matched a `hear` pattern. */
export interface HeardMessage extends BotMessage {
  /** The match of a RegExp pattern; null for a string pattern. */
  readonly match: RegExpExecArray | null;
}

/** A message that invoked a command. */
export interface CommandMessage extends BotMessage {
  /** The name or alias the sender typed. */
  readonly command: string;
  /** Everything after the command word and its following whitespace, as typed. */
  readonly args: string;
  /** `args` split on runs of whitespace. */
  readonly argv: readonly string[];
  /** The match of the command's `pattern` against `args` (named groups in `match.groups`); null without one. */
  readonly match: RegExpExecArray | null;
}

export type HearHandler = (message: HeardMessage) => void | Promise<void>;

/** A command's handler; a returned non-empty string is sent as the reply. */
export type CommandRun = (message: CommandMessage) => string | void | undefined | Promise<string | void | undefined>;

/**
 * One example of a command: shown by `help <command>` and run as a test by the test kit.
 * A plain string is an input that must be handled without error.
 */
export type CommandExample =
  | string
  | {
      /** What the user sends. */
      send: string;
      /**
       * What the user must receive in reply, in order: exact text or a RegExp.
       * Omitted: not checked; `[]`: no reply at all.
       */
      reply?: string | RegExp | ReadonlyArray<string | RegExp>;
      /** Who sends it. @default 'alice' */
      from?: string;
    };

/**
 * A command as data: it gives dispatch (first word of a message equals `name` or an alias),
 * `help` text, usage errors and tests from one spec.
 */
export interface CommandSpec {
  /** The word that invokes it, e.g. `roll` or `/join`; no whitespace. */
  name: string;
  aliases?: readonly string[];
  /** One line for `help`. */
  summary: string;
  /**
   * The arguments, e.g. `<sides> [count]`: each `<x>` is required, each `[x]` optional, a
   * trailing `...` allows any number more. A message with the wrong number of arguments gets
   * the usage line back instead of running the command. Omitted: no arguments accepted.
   * Use `'[text...]'` to take free text.
   */
  usage?: string;
  examples?: readonly CommandExample[];
  /**
   * Matched against the arguments (`args`); a message whose arguments do not match gets the
   * usage line back. The match is `message.match`. When given, it decides instead of the
   * argument count of `usage` (which is then only shown).
   */
  pattern?: RegExp;
  /** Only the bot's `admins` may run it; others get a short refusal. @default false */
  admin?: boolean;
  /** Match the command word exactly as written instead of in any case. @default false */
  caseSensitive?: boolean;
  run: CommandRun;
}

/** Everything of a {@link CommandSpec} but its name and handler, for `ctx.command(name, options, run)`. */
export type CommandOptions = Omit<CommandSpec, 'name' | 'run'>;

/** What a plugin's `setup` gets: everything it may touch of the bot. */
export interface PluginContext<TOptions = undefined> {
  /** The plugin's name. */
  readonly name: string;
  /** The bot's own username. */
  readonly botName: string;
  /** The options, as returned by the plugin's validator. */
  readonly options: TOptions;
  /** Logs with `plugin=<name>` added. */
  readonly log: BotLogger;
  /** This plugin's own key-value data, kept across restarts. */
  readonly store: PluginStore;
  /** Aborted when the bot starts shutting down: stop timers and background work. */
  readonly signal: AbortSignal;
  /** Registers a command; throws if the name or an alias is taken. */
  command(spec: CommandSpec): void;
  /** The same, with the name and handler apart: `ctx.command('deploy', { summary, admin: true }, run)`. */
  command(name: string, options: CommandOptions, run: CommandRun): void;
  /**
   * Registers a handler for messages that are not commands: a RegExp is tested against the
   * whole text, a string must equal the text exactly.
   */
  hear(pattern: RegExp | string, handler: HearHandler): void;
  /** Sends a message to any user, through the bot's rate limit and loop guard. */
  send(to: string, text: string): Promise<SendOutcome>;
  /**
   * Runs `fn` every `ms` milliseconds (first `ms` from now) until shutdown. A run that fails is
   * logged and the schedule goes on; a run still going when the next is due makes that one skip.
   */
  every(ms: number, fn: JobFunction, options?: EveryOptions): ScheduledJob;
  /** Runs `fn` at each time a cron pattern names (`'0 9 * * 1-5'`, croner syntax), as `every` does. */
  cron(pattern: string, fn: JobFunction, options?: CronOptions): ScheduledJob;
  /** The current time as schedules see it (the test kit's clock in tests). */
  now(): Date;
  /** Routes on the bot's HTTP listener, when it has one (`sup bot --http`). */
  readonly http: PluginHttp;
}

/** A plugin's per-plugin key-value data, persisted as one JSON file. */
export interface PluginStore {
  /** The JSON file the data is kept in, for messages that must name it. */
  readonly file: string;
  /** A copy of the stored value, or undefined. */
  get<T = unknown>(key: string): T | undefined;
  has(key: string): boolean;
  keys(): string[];
  /** Stores a JSON-serializable value; resolves once it is safely on disk. */
  set(key: string, value: unknown): Promise<void>;
  /** Removes a key; resolves once that is safely on disk. */
  delete(key: string): Promise<void>;
}

/** A bot plugin: made with {@link definePlugin}, the default export of its module. */
export interface Plugin<TOptions = undefined> {
  /** Names the plugin in logs, `help`, and its store file: letters, digits, `.`, `_`, `-`. */
  readonly name: string;
  /** Validates raw options; omitted, the plugin takes no options. */
  readonly options?: OptionsValidator<TOptions>;
  /** Registers commands and handlers; may return a disposer. */
  setup(ctx: PluginContext<TOptions>): void | Disposer | Promise<void | Disposer>;
}

/**
 * A plugin of any options type, as the runtime holds it. `any`, not `unknown`: with a context
 * this large TypeScript no longer widens `setup` by itself, and setup only ever gets the
 * options its own validator returned.
 */
export type AnyPlugin = Plugin<any>;

const PLUGIN_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/**
 * Defines a plugin. Checks its shape at once, so a mistake shows where the plugin is written.
 *
 * ```js
 * export default definePlugin({
 *   name: 'greeter',
 *   options: (raw) => ({ greeting: typeof raw?.greeting === 'string' ? raw.greeting : 'hi' }),
 *   setup(ctx) {
 *     ctx.command({ name: 'hello', summary: 'Say hello', run: (m) => `${ctx.options.greeting}, ${m.from}` });
 *   },
 * });
 * ```
 */
export function definePlugin<TOptions = undefined>(plugin: Plugin<TOptions>): Plugin<TOptions> {
  const problem = pluginShapeProblem(plugin);
  if (problem !== undefined) throw new TypeError(`definePlugin: ${problem}`);
  return Object.freeze({ ...plugin });
}

/** Why a value is not a usable plugin, in words a plugin author can act on; undefined when it is. */
export function pluginShapeProblem(value: unknown): string | undefined {
  if (value === null || typeof value !== 'object') {
    return `expected a plugin object made with definePlugin({ name, setup }), got ${describe(value)}`;
  }
  const candidate = value as Record<string, unknown>;
  if (typeof candidate.name !== 'string') {
    return `the plugin has no name: give definePlugin a "name" string`;
  }
  if (!PLUGIN_NAME.test(candidate.name)) {
    return (
      `the plugin name ${JSON.stringify(candidate.name)} is not usable: use 1 to 64 letters, digits, ` +
      `".", "_" or "-", starting with a letter or digit (it names the plugin's store file)`
    );
  }
  if (typeof candidate.setup !== 'function') {
    return `plugin "${candidate.name}" has no setup function: give definePlugin a "setup(ctx)" method`;
  }
  if (candidate.options !== undefined && typeof candidate.options !== 'function') {
    return (
      `plugin "${candidate.name}" has "options" that is not a function: ` +
      `it must be a validator (raw) => options that throws on bad input`
    );
  }
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return 'a function';
  return typeof value;
}
