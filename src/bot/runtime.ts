import { usernameProblem } from '../protocol/username.js';
import { isOfflineError, type BotClient, type BotClientState } from './client-port.js';
import { systemClock, type Clock } from '../client/clock.js';
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
import { Dispatcher, type IncomingMessage } from './dispatcher.js';
import { fallbackReply } from './fallback.js';
import { DEFAULT_HTTP_HOST, HttpListener, HttpRoutes, type BotHttpOptions, type HttpHandler } from './http-routes.js';
import { DropNotices, DropReason, dropNotice, type DropReport } from './drop-notices.js';
import {
  BotError,
  BotErrorCode,
  BotOptionError,
  BotSendError,
  CommandUsageError,
  PluginSetupError,
  type HandlerTimeoutError,
} from './errors.js';
import { checkUniqueNames, type LoadedPlugin } from './loader.js';
import { childLogger, silentLogger, type BotLogger } from './logger.js';
import { DEFAULT_APOLOGY, resolveBotLimits, type BotLimits, type ResolvedBotLimits } from './options.js';
import { Outbox } from './outbox.js';
import type {
  BotMessage,
  CommandMessage,
  CommandOptions,
  CommandRun,
  CommandSpec,
  Disposer,
  HearHandler,
  HeardMessage,
  PluginContext,
  SendOutcome,
} from './plugin.js';
import { Scheduler, systemScheduleClock, type CronOptions, type EveryOptions, type JobFunction, type ScheduleClock } from './schedule.js';
import { JsonFileStore } from './store.js';

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

// Names the runtime's own command and apology in logs.
const BUILTIN = 'builtin';
// A sender whose messages are being dropped hears about it at most this often.
const DROP_NOTICE_INTERVAL_MS = 60_000;

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
 * Runs a bot: one shared client, plugins set up in order, messages dispatched per sender in
 * order, replies paced per recipient, errors isolated, and an orderly shutdown: stop taking
 * messages, let running handlers finish (bounded), drain the outbox, run disposers in reverse,
 * flush the stores, quit.
 */
export class BotRuntime {
  readonly username: string;
  readonly limits: ResolvedBotLimits;
  readonly #client: BotClient;
  readonly #plugins: readonly LoadedPlugin[];
  readonly #stateDir: string;
  readonly #apology: string | false;
  readonly #logger: BotLogger;
  readonly #clock: Clock;
  readonly #commands = new CommandRegistry();
  readonly #hears: Hear[] = [];
  readonly #disposers: Array<{ plugin: string; dispose: Disposer }> = [];
  readonly #stores: JsonFileStore[] = [];
  readonly #outbox: Outbox;
  readonly #dispatcher: Dispatcher;
  readonly #drops: DropNotices;
  readonly #shutdown = new AbortController();
  readonly #progress = new WeakMap<IncomingMessage, Progress>();
  readonly #scheduleClock: ScheduleClock;
  readonly #scheduler: Scheduler;
  readonly #admins: ReadonlySet<string>;
  readonly #fallback: boolean;
  readonly #httpOptions: BotHttpOptions | undefined;
  readonly #routes = new HttpRoutes();
  #http: HttpListener | undefined;
  #httpAddress: { host: string; port: number } | undefined;
  readonly #onMessage = (message: IncomingMessage): void => this.#receive(message);
  readonly #onState = (state: BotClientState): void => this.#logState(state);
  #state: BotRuntimeState = 'created';
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #received = 0;
  #dropped = 0;
  #outboxAborted = false;

  constructor(options: BotRuntimeOptions) {
    const problem = usernameProblem(options.username);
    if (problem !== undefined) throw new BotOptionError('username', `the bot's username is not usable: ${problem}`);
    if (typeof options.stateDir !== 'string' || options.stateDir === '') {
      throw new BotOptionError('stateDir', 'stateDir must name a directory for the plugins\' stores');
    }
    if (options.apology !== undefined && options.apology !== false && typeof options.apology !== 'string') {
      throw new BotOptionError('apology', 'apology must be a string, or false to send none');
    }
    checkUniqueNames(options.plugins);
    checkExtras(options);
    this.username = options.username;
    this.limits = resolveBotLimits(options.limits);
    this.#client = options.client;
    this.#plugins = options.plugins;
    this.#stateDir = options.stateDir;
    this.#apology = options.apology === undefined ? DEFAULT_APOLOGY : options.apology === '' ? false : options.apology;
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
    this.#scheduleClock = options.scheduleClock ?? systemScheduleClock;
    this.#scheduler = new Scheduler({ clock: this.#scheduleClock, logger: this.#logger, signal: this.#shutdown.signal });
    this.#admins = new Set(options.admins ?? []);
    this.#fallback = options.fallback ?? true;
    this.#httpOptions = options.http;
    this.#outbox = new Outbox({
      rate: this.limits.rate,
      loopGuard: this.limits.loopGuard,
      clock: this.#clock,
      logger: this.#logger,
      transmit: (to, text) => this.#client.send(to, text),
      isOffline: isOfflineError,
    });
    this.#dispatcher = new Dispatcher({
      concurrency: this.limits.concurrency,
      maxQueuedPerSender: this.limits.maxQueuedPerSender,
      maxQueuedBytes: this.limits.maxQueuedBytes,
      handlerTimeoutMs: this.limits.handlerTimeoutMs,
      clock: this.#clock,
      handle: (message, signal) => this.#handle(message, signal),
      timedOut: (message, error) => this.#timedOut(message, error),
    });
    this.#drops = new DropNotices({
      intervalMs: DROP_NOTICE_INTERVAL_MS,
      clock: this.#clock,
      report: (report) => this.#reportDrops(report),
    });
    this.#registerHelp();
  }

  get state(): BotRuntimeState {
    return this.#state;
  }

  get stats(): BotRuntimeStats {
    return {
      queued: this.#dispatcher.queued,
      running: this.#dispatcher.running,
      abandoned: this.#dispatcher.abandoned,
      outbox: this.#outbox.outstanding,
      received: this.#received,
      queuedBytes: this.#dispatcher.queuedBytes,
      dropped: this.#dropped,
    };
  }

  /** Every registered command, the built-in `help` first. */
  get commands(): readonly BotCommand[] {
    return this.#commands.list().map(({ plugin, spec }) => ({ plugin, spec }));
  }

  /**
   * Opens the stores, sets the plugins up in order, then connects. If a setup fails, the
   * plugins set up before it are disposed in reverse and a `PluginSetupError` names it.
   */
  start(): Promise<void> {
    if (this.#state !== 'created') {
      return Promise.reject(new BotError(BotErrorCode.AlreadyStarted, `the bot was already started (it is ${this.#state})`));
    }
    this.#state = 'starting';
    this.#starting = this.#start();
    return this.#starting;
  }

  /** Stops in order (see the class comment); safe to call more than once and at any time. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  /** Where the HTTP listener listens, once started; undefined without one. */
  get httpAddress(): { host: string; port: number } | undefined {
    return this.#httpAddress;
  }

  /** Resolves once no message is queued or being handled, no scheduled job is running and the outbox is empty. */
  async idle(): Promise<void> {
    for (;;) {
      await this.#dispatcher.idle();
      await this.#scheduler.idle();
      await this.#outbox.idle();
      if (this.#dispatcher.queued === 0 && this.#dispatcher.running === 0 && this.#scheduler.running === 0 && this.#outbox.outstanding === 0) {
        return;
      }
    }
  }

  async #start(): Promise<void> {
    try {
      for (const loaded of this.#plugins) {
        if (this.#shutdown.signal.aborted) break;
        await this.#setUp(loaded);
      }
      if (this.#shutdown.signal.aborted) throw stoppedWhileStarting();
      this.#client.on('message', this.#onMessage);
      this.#client.on('state', this.#onState);
      this.#logger.info('connecting', { username: this.username });
      await this.#client.connect();
      if (this.#shutdown.signal.aborted) throw stoppedWhileStarting();
      await this.#startHttp();
    } catch (error) {
      this.#client.off('message', this.#onMessage);
      this.#client.off('state', this.#onState);
      this.#dispatcher.stopAccepting();
      // Sends a setup queued before connecting must settle too.
      this.#outbox.abort();
      this.#client.close();
      this.#shutdown.abort();
      this.#scheduler.stop();
      await this.#http?.close();
      await this.#dispose(new Deadline(this.#clock, this.limits.shutdownTimeoutMs));
      await this.#flushStores();
      this.#state = 'stopped';
      throw error;
    }
    this.#outbox.start();
    this.#state = 'running';
    this.#logger.info('started', {
      username: this.username,
      plugins: this.#plugins.map(({ plugin }) => plugin.name),
    });
  }

  async #setUp(loaded: LoadedPlugin): Promise<void> {
    const name = loaded.plugin.name;
    const store = await JsonFileStore.open({
      dir: this.#stateDir,
      name,
      onWriteError: (error) => this.#logger.error('store-write-failed', { plugin: name, file: error.file, error }),
    });
    this.#stores.push(store);
    let result: unknown;
    try {
      result = await loaded.plugin.setup(this.#context(loaded, store));
    } catch (error) {
      if (error instanceof PluginSetupError) throw error;
      throw new PluginSetupError(
        BotErrorCode.PluginSetupFailed,
        name,
        `plugin "${name}" (${loaded.module}) failed to set up: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
    if (typeof result === 'function') this.#disposers.push({ plugin: name, dispose: result as Disposer });
    this.#logger.info('plugin-ready', { plugin: name });
  }

  #context(loaded: LoadedPlugin, store: JsonFileStore): PluginContext<unknown> {
    const plugin = loaded.plugin.name;
    return Object.freeze({
      name: plugin,
      botName: this.username,
      options: loaded.options,
      log: childLogger(this.#logger, { plugin }),
      store,
      signal: this.#shutdown.signal,
      command: (spec: CommandSpec | string, options?: CommandOptions, run?: CommandRun) =>
        this.#registerCommand(plugin, typeof spec === 'string' ? ({ ...options, name: spec, run } as CommandSpec) : spec),
      hear: (pattern: RegExp | string, handler: HearHandler) => this.#registerHear(plugin, pattern, handler),
      send: (to: string, text: string) => this.#send(plugin, to, text, undefined),
      every: (ms: number, fn: JobFunction, options?: EveryOptions) =>
        this.#registration(plugin, () => this.#scheduler.every(plugin, ms, fn, options)),
      cron: (pattern: string, fn: JobFunction, options?: CronOptions) =>
        this.#registration(plugin, () => this.#scheduler.cron(plugin, pattern, fn, options)),
      now: () => new Date(this.#scheduleClock.now()),
      http: Object.freeze({
        enabled: this.#httpOptions !== undefined,
        get: (path: string, handler: HttpHandler) => this.#registration(plugin, () => this.#routes.add(plugin, 'GET', path, handler)),
        post: (path: string, handler: HttpHandler) => this.#registration(plugin, () => this.#routes.add(plugin, 'POST', path, handler)),
      }),
    });
  }

  /** Runs a registration; a mistake in it names the plugin, and during setup stops start-up. */
  #registration<T>(plugin: string, register: () => T): T {
    try {
      return register();
    } catch (error) {
      throw new PluginSetupError(BotErrorCode.PluginInvalidRegistration, plugin, `plugin "${plugin}": ${(error as Error).message}`, {
        cause: error,
      });
    }
  }

  async #startHttp(): Promise<void> {
    if (this.#httpOptions === undefined) {
      if (this.#routes.size > 0) this.#logger.warn('http-off', { routes: this.#routes.describe(), hint: 'start the bot with --http HOST:PORT to serve them' });
      return;
    }
    const { host = DEFAULT_HTTP_HOST, port, maxBodyBytes } = this.#httpOptions;
    this.#http = new HttpListener(this.#routes, this.#logger, maxBodyBytes);
    this.#httpAddress = await this.#http.listen(host, port);
    this.#logger.info('http-listening', { host: this.#httpAddress.host, port: this.#httpAddress.port, routes: this.#routes.describe() });
  }

  #registerCommand(plugin: string, spec: CommandSpec): void {
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

  #registerHear(plugin: string, pattern: RegExp | string, handler: HearHandler): void {
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

  #send(plugin: string, to: string, text: string, handlerSignal: AbortSignal | undefined): Promise<SendOutcome> {
    let sent: Promise<SendOutcome>;
    if (handlerSignal?.aborted) {
      sent = Promise.reject(
        new BotSendError(
          BotErrorCode.HandlerAbandoned,
          `a message to ${to} was not sent: its handler had already been given up on (timeout or shutdown)`,
        ),
      );
    } else {
      sent = this.#outbox.send(to, text, { plugin });
    }
    // Logged here because a plugin may not await its sends; awaiting still sees the rejection.
    sent.catch((error: unknown) => this.#logger.error('send-failed', { plugin, to, error }));
    return sent;
  }

  #logState(state: BotClientState): void {
    const fields = { state: state.type, attempt: state.attempt, delayMs: state.delayMs, error: state.lastError };
    if (state.type === 'backoff') this.#logger.warn('connection', fields);
    else this.#logger.info('connection', fields);
  }

  #receive(message: IncomingMessage): void {
    // The bot never answers itself, whatever its plugins do.
    if (message.from === this.username) return;
    // The socket reader never waits here: a message is queued or dropped at once, never held.
    const outcome = this.#dispatcher.push(message);
    if (outcome === 'accepted') this.#received++;
    else if (outcome === 'full') this.#drop(message.from, DropReason.SenderBacklog, 1);
    else if (outcome === 'over-budget') this.#drop(message.from, DropReason.Overloaded, 1);
  }

  #drop(sender: string, reason: DropReason, count: number): void {
    this.#dropped += count;
    this.#drops.dropped(sender, reason, count);
  }

  /** Logs dropped messages and tells their sender (rate-limited by DropNotices). */
  #reportDrops(report: DropReport): void {
    const limit =
      report.reason === DropReason.SenderBacklog
        ? { maxQueuedPerSender: this.limits.maxQueuedPerSender }
        : report.reason === DropReason.Overloaded
          ? { maxQueuedBytes: this.limits.maxQueuedBytes }
          : {};
    this.#logger.warn('messages-dropped', { from: report.sender, reason: report.reason, count: report.count, ...limit });
    void this.#send(BUILTIN, report.sender, dropNotice(report), undefined).catch(() => {});
  }

  async #handle(message: IncomingMessage, signal: AbortSignal): Promise<void> {
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
    const match = spec.pattern === undefined ? null : new RegExp(spec.pattern.source, spec.pattern.flags.replace(/[gy]/g, '')).exec(call.args);
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

  #timedOut(message: IncomingMessage, error: HandlerTimeoutError): void {
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

  async #stop(): Promise<void> {
    if (this.#state === 'created' || this.#state === 'stopped') {
      this.#state = 'stopped';
      return;
    }
    if (this.#state === 'starting') {
      // Closing makes a pending connect fail; start() then undoes the setups itself.
      this.#shutdown.abort();
      this.#client.close();
      await this.#starting?.catch(() => {});
      return;
    }
    this.#state = 'stopping';
    this.#logger.info('stopping', { ...this.stats });
    this.#shutdown.abort();
    this.#scheduler.stop();
    const httpClosed = this.#http?.close() ?? Promise.resolve();
    this.#client.off('message', this.#onMessage);
    const unstarted = this.#dispatcher.stopAccepting();

    const handlersDeadline = new Deadline(this.#clock, this.limits.shutdownTimeoutMs);
    if (!(await handlersDeadline.race(this.#dispatcher.idle()))) {
      const abandoned = this.#dispatcher.abandonRunning(
        new BotError(BotErrorCode.ShutdownTimeout, `shutdown gave up on the handler after ${this.limits.shutdownTimeoutMs} ms`),
      );
      this.#logger.warn('shutdown-timeout', { phase: 'handlers', abandoned });
    }
    // Told after the replies to what was handled, while the outbox still sends; so is every drop not yet told.
    for (const [sender, count] of unstarted) this.#drop(sender, DropReason.Shutdown, count);
    this.#drops.flush();
    if (!(await handlersDeadline.race(Promise.all([this.#scheduler.idle(), httpClosed])))) {
      this.#http?.abort();
      this.#logger.warn('shutdown-timeout', { phase: 'schedules-and-http', jobs: this.#scheduler.running });
    }
    await this.#drainOutbox(handlersDeadline);
    const disposeDeadline = new Deadline(this.#clock, this.limits.shutdownTimeoutMs);
    await this.#dispose(disposeDeadline);
    // Disposers may say goodbye; those messages get the disposers' time.
    await this.#drainOutbox(disposeDeadline);
    await this.#flushStores();
    await this.#quit();
    // Sends from plugins that ignored the signal now fail at once instead of reaching a closed client.
    this.#outbox.abort();
    this.#client.off('state', this.#onState);
    this.#state = 'stopped';
    this.#logger.info('stopped', { username: this.username });
  }

  async #drainOutbox(deadline: Deadline): Promise<void> {
    if (this.#outboxAborted || (await deadline.race(this.#outbox.idle()))) return;
    const unsent = this.#outbox.outstanding;
    this.#outboxAborted = true;
    this.#outbox.abort();
    this.#logger.warn('shutdown-timeout', { phase: 'outbox', unsent });
  }

  async #dispose(deadline: Deadline): Promise<void> {
    for (const { plugin, dispose } of this.#disposers.splice(0).reverse()) {
      try {
        const done = Promise.resolve(dispose());
        if (!(await deadline.race(done))) {
          done.catch(() => {});
          this.#logger.warn('shutdown-timeout', { phase: 'dispose', plugin });
        }
      } catch (error) {
        this.#logger.error('dispose-failed', { plugin, error });
      }
    }
  }

  async #flushStores(): Promise<void> {
    for (const store of this.#stores) {
      // Failures were already logged by onWriteError.
      await store.flush().catch(() => {});
    }
  }

  async #quit(): Promise<void> {
    const quitting = Promise.resolve().then(() => this.#client.quit());
    try {
      if (await new Deadline(this.#clock, this.limits.shutdownTimeoutMs).race(quitting)) return;
      this.#logger.warn('shutdown-timeout', { phase: 'quit' });
    } catch (error) {
      this.#logger.warn('quit-failed', { error });
    }
    quitting.catch(() => {});
    this.#client.close();
  }
}

/** Checks the options that plain types cannot: admins and the HTTP address. */
function checkExtras(options: BotRuntimeOptions): void {
  if (options.admins !== undefined && (!Array.isArray(options.admins) || options.admins.some((name) => usernameProblem(name) !== undefined))) {
    throw new BotOptionError('admins', 'admins must be a list of usernames, such as ["alice"]');
  }
  if (options.fallback !== undefined && typeof options.fallback !== 'boolean') {
    throw new BotOptionError('fallback', 'fallback must be true or false');
  }
  const http = options.http;
  if (http === undefined) return;
  if (!Number.isInteger(http.port) || http.port < 0 || http.port > 65_535) {
    throw new BotOptionError('http', `the HTTP port must be a whole number from 0 to 65535, got ${String(http.port)}`);
  }
  if (http.maxBodyBytes !== undefined && (!Number.isInteger(http.maxBodyBytes) || http.maxBodyBytes < 1)) {
    throw new BotOptionError('http', 'http.maxBodyBytes must be a whole number of at least 1');
  }
}

function stoppedWhileStarting(): BotError {
  return new BotError(BotErrorCode.StartAborted, 'the bot was stopped while starting');
}

/** A point in time that several waits share; each wait ends at the latest there. */
class Deadline {
  readonly #clock: Clock;
  readonly #end: number;

  constructor(clock: Clock, ms: number) {
    this.#clock = clock;
    this.#end = clock.now() + ms;
  }

  /** True if `promise` settled (resolved) before the deadline; rethrows if it rejected in time. */
  async race(promise: Promise<unknown>): Promise<boolean> {
    const timer = new AbortController();
    const remaining = Math.max(0, this.#end - this.#clock.now());
    try {
      return await Promise.race([
        promise.then(() => true),
        this.#clock.sleep(remaining, timer.signal).then(() => false),
      ]);
    } finally {
      timer.abort();
    }
  }
}
