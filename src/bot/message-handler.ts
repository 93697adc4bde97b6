import {
  CommandRegistry,
  commandSpecProblem,
  helpFor,
  helpIndex,
  splitCommand,
  statelessRegExp,
  usageLine,
  type CommandCall,
  type RegisteredCommand,
} from './commands.js';
import type { IncomingMessage } from './dispatcher.js';
import { BotErrorCode, CommandUsageError, PluginSetupError, type HandlerTimeoutError } from './errors.js';
import { fallbackReply } from './fallback.js';
import type { BotLogger } from './logger.js';
import type { BotMessage, CommandMessage, CommandSpec, HearHandler, HeardMessage, SendOutcome } from './plugin.js';

// Names the runtime's own command and apology in logs.
export const BUILTIN = 'builtin';

/** Sends for a plugin; a send whose handler's signal has aborted fails instead. */
export type PluginSend = (plugin: string, to: string, text: string, handlerSignal: AbortSignal | undefined) => Promise<SendOutcome>;

export interface MessageHandlerOptions {
  /** Usernames that may run commands marked `admin: true`. */
  admins: ReadonlySet<string>;
  /** Whether a message nothing took gets a hint naming the closest command. */
  fallback: boolean;
  /** Sent when a handler fails or times out; `false` sends nothing. */
  apology: string | false;
  logger: BotLogger;
  send: PluginSend;
}

interface Hear {
  plugin: string;
  test: (text: string) => RegExpExecArray | null | false;
  handler: HearHandler;
}

/** Which plugin a message's handling is in, so a timeout can name it. */
interface Progress {
  plugin: string | undefined;
  command: string | undefined;
}

/**
 * The plugins' commands and `hear` handlers, and how one message reaches them: the command its
 * first word names, else every matching `hear`, else the fallback hint; failures are isolated.
 */
export class MessageHandler {
  readonly #commands = new CommandRegistry();
  readonly #hears: Hear[] = [];
  readonly #progress = new WeakMap<IncomingMessage, Progress>();
  readonly #admins: ReadonlySet<string>;
  readonly #fallback: boolean;
  readonly #apology: string | false;
  readonly #logger: BotLogger;
  readonly #send: PluginSend;

  constructor(options: MessageHandlerOptions) {
    this.#admins = options.admins;
    this.#fallback = options.fallback;
    this.#apology = options.apology;
    this.#logger = options.logger;
    this.#send = options.send;
    this.#registerHelp();
  }

  /** Every registered command with its plugin, the built-in `help` first. */
  get commands(): readonly RegisteredCommand[] {
    return this.#commands.list();
  }

  registerCommand(plugin: string, spec: CommandSpec): void {
    const problem = commandSpecProblem(spec);
    if (problem !== undefined) {
      throw new PluginSetupError(BotErrorCode.PluginInvalidRegistration, plugin, `plugin "${plugin}": ${problem}`);
    }
    const clash = this.#commands.add(spec, plugin);
    if (clash !== undefined) {
      const owner = clash.owner === BUILTIN ? 'the bot itself' : `plugin "${clash.owner}"`;
      throw new PluginSetupError(
        BotErrorCode.PluginDuplicateCommand,
        plugin,
        `plugin "${plugin}" registers the command "${clash.clash}", which ${owner} already has: rename one of them`,
      );
    }
  }

  registerHear(plugin: string, pattern: RegExp | string, handler: HearHandler): void {
    if (typeof handler !== 'function' || (typeof pattern !== 'string' && !(pattern instanceof RegExp))) {
      throw new PluginSetupError(
        BotErrorCode.PluginInvalidRegistration,
        plugin,
        `plugin "${plugin}": hear(pattern, handler) needs a RegExp or string pattern and a handler function`,
      );
    }
    let test: Hear['test'];
    if (typeof pattern === 'string') {
      test = (text) => (text === pattern ? null : false);
    } else {
      const regexp = statelessRegExp(pattern);
      test = (text) => regexp.exec(text) ?? false;
    }
    this.#hears.push({ plugin, test, handler });
  }

  #registerHelp(): void {
    const helpSpec: CommandSpec = {
      name: 'help',
      aliases: ['/help'],
      summary: 'List the commands, or explain one',
      usage: '[command]',
      run: ({ argv, command }) => {
        const word = argv[0];
        if (word === undefined) return helpIndex(this.#commands.list(), command);
        const found = this.#commands.lookup(word);
        if (found === undefined) return `There is no command "${word}". Type "${command}" to list them.`;
        return helpFor(found);
      },
    };
    this.#commands.add(helpSpec, BUILTIN);
  }

  async handle(message: IncomingMessage, signal: AbortSignal): Promise<void> {
    const progress: Progress = { plugin: undefined, command: undefined };
    this.#progress.set(message, progress);
    const call = splitCommand(message.text);
    const command = this.#commands.lookup(call.word);
    let failed = false;
    let handled = command !== undefined;
    if (command !== undefined) {
      progress.plugin = command.plugin;
      progress.command = command.spec.name;
      failed = !(await this.#invoke(command.plugin, message, { command: command.spec.name }, () =>
        this.#runCommand(command, call, message, signal),
      ));
    } else {
      for (const hear of this.#hears) {
        if (signal.aborted) break;
        const match = hear.test(message.text);
        if (match === false) continue;
        handled = true;
        progress.plugin = hear.plugin;
        const heard: HeardMessage = Object.freeze({ ...this.#messageFor(hear.plugin, message, signal), match });
        if (!(await this.#invoke(hear.plugin, message, {}, () => hear.handler(heard)))) failed = true;
      }
    }
    // After a timeout the sender was already told; a late failure is only logged.
    if (failed && !signal.aborted) this.#apologize(message.from);
    if (!handled && this.#fallback && !signal.aborted) {
      void this.#send(BUILTIN, message.from, fallbackReply(message.text, this.#commands.words(), 'help'), signal).catch(() => {});
    }
  }

  async #runCommand(command: RegisteredCommand, call: CommandCall, message: IncomingMessage, signal: AbortSignal): Promise<void> {
    const { spec, plugin, arity } = command;
    const base = this.#messageFor(plugin, message, signal);
    if (spec.admin === true && !this.#admins.has(message.from)) {
      this.#logger.warn('command-refused', { plugin, command: spec.name, from: message.from, reason: 'not an admin' });
      void base.reply(`Sorry, "${spec.name}" is only for this bot's admins.`).catch(() => {});
      return;
    }
    const match = spec.pattern === undefined ? null : statelessRegExp(spec.pattern).exec(call.args);
    const fits = spec.pattern === undefined ? call.argv.length >= arity.min && call.argv.length <= arity.max : match !== null;
    if (!fits) {
      void base.reply(`Usage: ${usageLine(spec)}`).catch(() => {});
      return;
    }
    const commandMessage: CommandMessage = Object.freeze({ ...base, command: call.word, args: call.args, argv: call.argv, match });
    try {
      const result = await spec.run(commandMessage);
      // Not awaited: the outbox keeps this sender's replies in order anyway.
      if (typeof result === 'string' && result.length > 0) void base.reply(result).catch(() => {});
    } catch (error) {
      if (!(error instanceof CommandUsageError)) throw error;
      void base.reply(`${(error as Error).message}\nUsage: ${usageLine(spec)}`).catch(() => {});
    }
  }

  #messageFor(plugin: string, message: IncomingMessage, signal: AbortSignal): BotMessage {
    return {
      from: message.from,
      text: message.text,
      receivedAt: message.receivedAt,
      signal,
      reply: (text: string) => this.#send(plugin, message.from, text, signal),
    };
  }

  /** Runs one handler; false when it threw (logged with the plugin and the message). */
  async #invoke(plugin: string, message: IncomingMessage, fields: Record<string, unknown>, run: () => unknown): Promise<boolean> {
    try {
      await run();
      return true;
    } catch (error) {
      this.#logger.error('handler-failed', { plugin, ...fields, from: message.from, text: message.text, error });
      return false;
    }
  }

  timedOut(message: IncomingMessage, error: HandlerTimeoutError): void {
    const progress = this.#progress.get(message);
    this.#logger.error('handler-timeout', {
      plugin: progress?.plugin,
      command: progress?.command,
      from: message.from,
      text: message.text,
      error,
    });
    this.#apologize(message.from);
  }

  #apologize(to: string): void {
    if (this.#apology === false) return;
    void this.#send(BUILTIN, to, this.#apology, undefined).catch(() => {});
  }
}
