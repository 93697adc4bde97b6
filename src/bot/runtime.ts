import { systemClock, type Clock } from '../client/clock.js';
import { isOfflineError, type BotClient, type BotClientState } from './client-port.js';
import { Deadline } from './deadline.js';
import { Dispatcher, type IncomingMessage } from './dispatcher.js';
import { DropNotices, DropReason, dropNotice, type DropReport } from './drop-notices.js';
import { BotError, BotErrorCode, BotSendError, PluginSetupError } from './errors.js';
import { DEFAULT_HTTP_HOST, HttpListener, HttpRoutes, type BotHttpOptions } from './http-routes.js';
import type { LoadedPlugin } from './loader.js';
import { silentLogger, type BotLogger } from './logger.js';
import { BUILTIN, MessageHandler } from './message-handler.js';
import { DEFAULT_APOLOGY, resolveBotLimits, type ResolvedBotLimits } from './options.js';
import { Outbox } from './outbox.js';
import type { Disposer, SendOutcome } from './plugin.js';
import { pluginContext } from './plugin-context.js';
import { PluginResources } from './plugin-resources.js';
import { checkRuntimeOptions, type BotCommand, type BotRuntimeOptions, type BotRuntimeState, type BotRuntimeStats } from './runtime-options.js';
import { Scheduler, systemScheduleClock, type ScheduleClock } from './schedule.js';
import { JsonFileStore } from './store.js';

export type { BotCommand, BotRuntimeOptions, BotRuntimeState, BotRuntimeStats } from './runtime-options.js';

// A sender whose messages are being dropped hears about it at most this often.
const DROP_NOTICE_INTERVAL_MS = 60_000;

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
  readonly #logger: BotLogger;
  readonly #clock: Clock;
  readonly #handler: MessageHandler;
  readonly #resources: PluginResources;
  readonly #outbox: Outbox;
  readonly #dispatcher: Dispatcher;
  readonly #drops: DropNotices;
  readonly #shutdown = new AbortController();
  readonly #scheduleClock: ScheduleClock;
  readonly #scheduler: Scheduler;
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
    checkRuntimeOptions(options);
    this.username = options.username;
    this.limits = resolveBotLimits(options.limits);
    this.#client = options.client;
    this.#plugins = options.plugins;
    this.#stateDir = options.stateDir;
    this.#logger = options.logger ?? silentLogger;
    this.#clock = options.clock ?? systemClock;
    this.#scheduleClock = options.scheduleClock ?? systemScheduleClock;
    this.#scheduler = new Scheduler({ clock: this.#scheduleClock, logger: this.#logger, signal: this.#shutdown.signal });
    this.#resources = new PluginResources(this.#logger);
    this.#handler = new MessageHandler({
      admins: new Set(options.admins ?? []),
      fallback: options.fallback ?? true,
      apology: options.apology === undefined ? DEFAULT_APOLOGY : options.apology === '' ? false : options.apology,
      logger: this.#logger,
      send: (plugin, to, text, signal) => this.#send(plugin, to, text, signal),
    });
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
      handle: (message, signal) => this.#handler.handle(message, signal),
      timedOut: (message, error) => this.#handler.timedOut(message, error),
    });
    this.#drops = new DropNotices({
      intervalMs: DROP_NOTICE_INTERVAL_MS,
      clock: this.#clock,
      report: (report) => this.#reportDrops(report),
    });
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
    return this.#handler.commands.map(({ plugin, spec }) => ({ plugin, spec }));
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
      await this.#resources.dispose(new Deadline(this.#clock, this.limits.shutdownTimeoutMs));
      await this.#resources.flushStores();
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
    this.#resources.addStore(store);
    let result: unknown;
    try {
      result = await loaded.plugin.setup(
        pluginContext(loaded, {
          botName: this.username,
          store,
          logger: this.#logger,
          signal: this.#shutdown.signal,
          handler: this.#handler,
          send: (plugin, to, text) => this.#send(plugin, to, text, undefined),
          scheduler: this.#scheduler,
          scheduleClock: this.#scheduleClock,
          httpEnabled: this.#httpOptions !== undefined,
          routes: this.#routes,
        }),
      );
    } catch (error) {
      if (error instanceof PluginSetupError) throw error;
      throw new PluginSetupError(
        BotErrorCode.PluginSetupFailed,
        name,
        `plugin "${name}" (${loaded.module}) failed to set up: ${(error as Error)?.message ?? String(error)}`,
        { cause: error },
      );
    }
    if (typeof result === 'function') this.#resources.addDisposer(name, result as Disposer);
    this.#logger.info('plugin-ready', { plugin: name });
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
    await this.#resources.dispose(disposeDeadline);
    // Disposers may say goodbye; those messages get the disposers' time.
    await this.#drainOutbox(disposeDeadline);
    await this.#resources.flushStores();
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

function stoppedWhileStarting(): BotError {
  return new BotError(BotErrorCode.StartAborted, 'the bot was stopped while starting');
}
