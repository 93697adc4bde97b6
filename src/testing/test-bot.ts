import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BotHttpOptions } from '../bot/http-routes.js';
import { BotRuntime, type BotCommand } from '../bot/runtime.js';
import { exampleInput, statelessRegExp } from '../bot/commands.js';
import { preparePlugin, checkUniqueNames, type LoadedPlugin } from '../bot/loader.js';
import type { BotLogger, LogLevel } from '../bot/logger.js';
import type { BotLimits } from '../bot/options.js';
import type { AnyPlugin, CommandExample } from '../bot/plugin.js';
import { SupClient, type SupClientState } from '../client/sup-client.js';
import { SupServer } from '../server/sup-server.js';
import type { SupServerOptions } from '../server/options.js';
import { FaultTransport } from './fault-transport.js';
import { ScriptedUser } from './scripted-user.js';
import { TestBotError } from './errors.js';
import { TestClock } from './test-clock.js';

/** Waits `receive` allows by default. */
const DEFAULT_RECEIVE_TIMEOUT_MS = 5_000;
/** How long `idle` may take before it fails, naming what is still busy. */
const DEFAULT_IDLE_TIMEOUT_MS = 10_000;
const HOST = '127.0.0.1';

export interface TestBotOptions {
  /** The plugins, as their modules export them (`import echo from '../bots/echo.js'`). */
  plugins: readonly AnyPlugin[];
  /** Raw options per plugin name, validated by each plugin's validator as `sup bot` would. */
  options?: Readonly<Record<string, unknown>>;
  /** @default 'bot' */
  username?: string;
  limits?: BotLimits;
  /** @default 'Sorry, something went wrong handling that message. It has been logged.' */
  apology?: string | false;
  /**
   * `'fail'`: an error the bot logs (a handler that throws or times out, a failed send)
   * fails the next `idle`, `receive`, `ask` or `close`. `'collect'`: they are only kept in
   * `errors`. @default 'fail'
   */
  handlerErrors?: 'fail' | 'collect';
  /** Where the stores live; by default a fresh temp directory, removed on `close`. */
  stateDir?: string;
  /** @default 5000 */
  receiveTimeoutMs?: number;
  /** @default 10000 */
  idleTimeoutMs?: number;
  /** Also gets every log entry, e.g. `createLineLogger(console.error, 'text')` while debugging. */
  logger?: BotLogger;
  /** Options for the bundled server (it always listens on 127.0.0.1, port 0). */
  server?: Omit<SupServerOptions, 'host' | 'port'>;
  /** Where the test clock (`bot.clock`, what schedules and `ctx.now()` see) starts. @default the real time now */
  now?: Date | number | string;
  /** Usernames that may run `admin: true` commands. @default [] */
  admins?: readonly string[];
  /** The reply to messages nothing handled, as `sup bot` sends it. @default true */
  fallback?: boolean;
  /** Start the HTTP listener on 127.0.0.1 and a free port (`bot.httpUrl`). @default false */
  http?: boolean | Pick<BotHttpOptions, 'maxBodyBytes'>;
}

/** One log entry of the bot under test. */
export interface TestLogEntry {
  level: LogLevel;
  event: string;
  fields: Record<string, unknown>;
}

/** One command example, runnable as a test. */
export interface ExampleCase {
  plugin: string;
  command: string;
  example: CommandExample;
  /** `<command>: <input>`, for a test name. */
  title: string;
  /** Sends the example and checks the replies; throws if they differ or the bot logs an error. */
  run(): Promise<void>;
}

/** Lets a held-off bot connect again. */
export interface ReconnectHold {
  release(): void;
}

/** A name logged in from outside the bot, held until released. */
export interface NameHold {
  readonly client: SupClient;
  release(): Promise<void>;
}

/**
 * Starts the bundled server on port 0 and the real bot runtime with the given plugins, logged
 * in over a real client. Register `after(() => t.close())` right away.
 */
export async function createTestBot(options: TestBotOptions): Promise<TestBot> {
  const loaded = options.plugins.map((plugin) => preparePlugin(plugin, options.options?.[(plugin as { name?: string }).name ?? '']));
  checkUniqueNames(loaded);
  const stateDir = options.stateDir ?? (await mkdtemp(join(tmpdir(), 'sup-test-bot-')));
  const server = new SupServer({ ...options.server, host: HOST, port: 0 });
  const { port } = await server.listen();
  return TestBot.started(options, loaded, server, port, stateDir, options.stateDir === undefined);
}

/** A running test bot: its server, runtime, scripted users and fault switches. */
export class TestBot {
  readonly username: string;
  readonly port: number;
  readonly stateDir: string;
  /** The wall clock of schedules and `ctx.now()`: moves only when the test calls `advance`. */
  readonly clock: TestClock;
  readonly #options: TestBotOptions;
  readonly #plugins: readonly LoadedPlugin[];
  readonly #ownsStateDir: boolean;
  readonly #users = new Map<string, ScriptedUser>();
  readonly #holders = new Set<SupClient>();
  readonly #sending = new Set<Promise<unknown>>();
  readonly #logs: TestLogEntry[] = [];
  #unreported: TestLogEntry[] = [];
  #server: SupServer;
  #transport = new FaultTransport();
  #client: SupClient | undefined;
  #runtime: BotRuntime | undefined;
  #userSends = 0;
  #closing: Promise<void> | undefined;

  /** Made by `createTestBot` (the package exports this class as a type only). */
  constructor(
    options: TestBotOptions,
    plugins: readonly LoadedPlugin[],
    server: SupServer,
    port: number,
    stateDir: string,
    ownsStateDir: boolean,
  ) {
    this.username = options.username ?? 'bot';
    this.port = port;
    this.stateDir = stateDir;
    this.#options = options;
    this.#plugins = plugins;
    this.#server = server;
    this.#ownsStateDir = ownsStateDir;
    this.clock = new TestClock(options.now);
  }

  /** The base URL of the bot's HTTP listener (`http://127.0.0.1:PORT`), with `http` set. */
  get httpUrl(): string {
    const address = this.runtime.httpAddress;
    if (address === undefined) throw new Error('the test bot has no HTTP listener: createTestBot({ http: true })');
    return `http://${address.host}:${address.port}`;
  }

  /** The bundled server (replaced by `restartServer`). */
  get server(): SupServer {
    return this.#server;
  }

  /** The runtime under test (replaced by `restartBot`). */
  get runtime(): BotRuntime {
    return this.#required(this.#runtime);
  }

  /** The bot's own client. */
  get client(): SupClient {
    return this.#required(this.#client);
  }

  /** Every log entry of the bot so far. */
  get logs(): readonly TestLogEntry[] {
    return this.#logs;
  }

  /** Every error-level entry so far, reported or not. */
  get errors(): readonly TestLogEntry[] {
    return this.#logs.filter((entry) => entry.level === 'error');
  }

  /** A bot running on `server`, or none: a bot that fails to start is closed, server included. */
  static async started(...args: ConstructorParameters<typeof TestBot>): Promise<TestBot> {
    const bot = new TestBot(...args);
    try {
      await bot.#startBot();
    } catch (error) {
      await bot.close().catch(() => {});
      throw error;
    }
    return bot;
  }

  /** Starts (or restarts) the runtime with a fresh client. */
  async #startBot(): Promise<void> {
    this.#client = new SupClient({
      host: HOST,
      port: this.port,
      username: this.username,
      reconnect: { initialDelayMs: 10, maxDelayMs: 100 },
      transport: this.#transport,
    });
    this.#runtime = new BotRuntime({
      client: this.#client,
      plugins: this.#plugins,
      username: this.username,
      stateDir: this.stateDir,
      logger: this.#logger(),
      ...(this.#options.limits === undefined ? {} : { limits: this.#options.limits }),
      ...(this.#options.apology === undefined ? {} : { apology: this.#options.apology }),
      ...(this.#options.admins === undefined ? {} : { admins: this.#options.admins }),
      ...(this.#options.fallback === undefined ? {} : { fallback: this.#options.fallback }),
      ...(this.#httpOptions() === undefined ? {} : { http: this.#httpOptions() }),
      scheduleClock: this.clock,
    });
    await this.#runtime.start();
  }

  /**
   * A scripted user logged in under `name` (the same object for the same name, until it
   * leaves). It connects at once; its sends wait for the login.
   */
  user(name: string): ScriptedUser {
    const known = this.#users.get(name);
    if (known !== undefined && known.client.state.type !== 'closed') return known;
    const user = new ScriptedUser({
      name,
      botName: this.username,
      host: HOST,
      port: this.port,
      receiveTimeoutMs: this.#options.receiveTimeoutMs ?? DEFAULT_RECEIVE_TIMEOUT_MS,
      failure: () => this.#takeFailure(),
      idle: () => this.idle(),
      track: (sending) => this.#track(sending),
    });
    this.#users.set(name, user);
    return user;
  }

  /**
   * Resolves when the bot has nothing left to do: every send by a scripted user has been
   * answered, every message that reached the bot has been handled, the outbox is empty, and
   * every scripted user has received what was sent to it. Event-driven: it waits on round
   * trips through the server, never on time. Fails if the bot logged an error (see
   * `handlerErrors`), or names what is still busy after `idleTimeoutMs`.
   */
  async idle(): Promise<void> {
    const timeoutMs = this.#options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const stats = this.#runtime?.stats;
        reject(
          new Error(
            `t.idle() was still waiting after ${timeoutMs} ms: ${stats?.running ?? 0} handler(s) running, ` +
              `${stats?.queued ?? 0} message(s) queued, ${stats?.outbox ?? 0} outgoing, ` +
              `${this.#sending.size} user send(s) unanswered, bot ${this.#client?.state.type ?? 'not started'}`,
          ),
        );
      }, timeoutMs);
    });
    try {
      await Promise.race([this.#settle(), timedOut]);
    } finally {
      clearTimeout(timer);
    }
    const failure = this.#takeFailure();
    if (failure !== undefined) throw failure;
  }

  /** Returns the bot's unreported errors and marks them expected, so they fail nothing. */
  takeErrors(): TestLogEntry[] {
    const taken = this.#unreported;
    this.#unreported = [];
    return taken;
  }

  /** Every command example of every plugin, in registration order, each runnable as a test. */
  examples(): ExampleCase[] {
    return this.runtime.commands.flatMap((command) =>
      (command.spec.examples ?? []).map((example) => {
        const input = exampleInput(example);
        return {
          plugin: command.plugin,
          command: command.spec.name,
          example,
          title: `${command.spec.name}: ${input}`,
          run: () => this.#runExample(command, example),
        };
      }),
    );
  }

  /** Runs every example in order; throws one error listing all that failed. */
  async runExamples(): Promise<void> {
    const failures: string[] = [];
    for (const example of this.examples()) {
      try {
        await example.run();
      } catch (error) {
        failures.push((error as Error).message);
      }
    }
    if (failures.length > 0) throw new Error(`${failures.length} command example(s) failed:\n${failures.join('\n')}`);
  }

  /**
   * Cuts the bot's connection as a network failure would; resolves once the bot has noticed.
   * It reconnects by itself, unless `hold` is set: then it stays offline until `release()`.
   */
  async dropConnection(options: { hold?: boolean } = {}): Promise<ReconnectHold> {
    const release = options.hold === true ? this.#transport.hold() : () => {};
    const client = this.client;
    const left = waitForState(client, (state) => state.type !== 'online');
    if (!this.#transport.drop()) {
      release();
      throw new Error('the bot has no open connection to drop');
    }
    await left;
    return { release };
  }

  /** Resolves once the bot's client is online. */
  botOnline(): Promise<void> {
    return waitForState(this.client, (state) => state.type === 'online');
  }

  /**
   * Stops the server (every connection drops) and starts a new one on the same port; the bot
   * and the users reconnect by themselves. With `holdBot`, the bot stays offline until `release()`.
   */
  async restartServer(options: { holdBot?: boolean } = {}): Promise<ReconnectHold> {
    const release = options.holdBot === true ? this.#transport.hold() : () => {};
    // Resolving only once every client has seen the drop makes a later `online()` mean "back".
    const clients = [this.#client, ...[...this.#users.values()].map((user) => user.client)];
    const dropped = clients
      .filter((client): client is SupClient => client !== undefined && client.state.type === 'online')
      .map((client) => waitForState(client, (state) => state.type !== 'online'));
    await this.#server.close();
    await Promise.all(dropped);
    this.#server = new SupServer({ ...this.#options.server, host: HOST, port: this.port });
    await this.#server.listen();
    return { release };
  }

  /**
   * Stops the bot the way `sup bot` does on SIGTERM, and starts it again with the same state
   * directory. `downFor` moves the test clock forward while the bot is stopped.
   */
  async restartBot(options: { downFor?: number } = {}): Promise<void> {
    await this.runtime.stop();
    if (options.downFor !== undefined) await this.clock.advance(options.downFor);
    await this.#startBot();
  }

  #httpOptions(): BotHttpOptions | undefined {
    const http = this.#options.http;
    if (http === undefined || http === false) return undefined;
    return { host: HOST, port: 0, ...(http === true ? {} : http) };
  }

  /** Logs `name` in from a separate connection (e.g. the bot's own name while it is held offline). */
  async takeName(name: string): Promise<NameHold> {
    const holder = new SupClient({ host: HOST, port: this.port, username: name, reconnect: false });
    this.#holders.add(holder);
    try {
      await holder.connect();
    } catch (error) {
      this.#holders.delete(holder);
      throw error;
    }
    return {
      client: holder,
      release: async () => {
        this.#holders.delete(holder);
        await holder.quit().catch(() => holder.close());
      },
    };
  }

  /**
   * Stops the bot (in shutdown order), the users and the server, and removes the temp state
   * directory. Throws if the bot logged an error nobody was told about.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    const failure = this.#takeFailure();
    // A test that failed while holding the bot offline must not make shutdown wait for it.
    this.#transport.releaseHold();
    await this.#runtime?.stop().catch(() => {});
    // Errors from tearing down (e.g. sends cut short) are not the test's.
    this.#unreported = [];
    for (const user of this.#users.values()) user.close();
    for (const holder of this.#holders) holder.close();
    this.#holders.clear();
    await this.#server.close();
    if (this.#ownsStateDir) await rm(this.stateDir, { recursive: true, force: true });
    if (failure !== undefined) throw failure;
  }

  async #settle(): Promise<void> {
    for (;;) {
      const before = this.#activity();
      await Promise.allSettled([...this.#sending]);
      const runtime = this.#runtime;
      if (runtime?.state === 'running') {
        // A round trip on the bot's connection: every message queued to it before is in by then.
        await this.client.isOnline(this.username).catch(() => {});
        await runtime.idle();
      }
      // And one per user: every reply queued to them before is in by then.
      await Promise.all(
        [...this.#users.values()]
          .filter((user) => user.client.state.type !== 'closed')
          .map((user) => user.client.isOnline(user.name).catch(() => {})),
      );
      if (this.#activity() === before) return;
    }
  }

  #activity(): number {
    return this.#userSends + (this.#runtime?.stats.received ?? 0);
  }

  #track(sending: Promise<unknown>): void {
    this.#userSends++;
    this.#sending.add(sending);
    const forget = (): void => {
      this.#sending.delete(sending);
    };
    sending.then(forget, forget);
  }

  #logger(): BotLogger {
    const record = (level: LogLevel) => (event: string, fields: Record<string, unknown> = {}) => {
      const entry: TestLogEntry = { level, event, fields };
      this.#logs.push(entry);
      this.#options.logger?.[level](event, fields);
      if (level !== 'error' || this.#closing !== undefined || this.#options.handlerErrors === 'collect') return;
      const failure = new TestBotError([entry]);
      let told = false;
      for (const user of this.#users.values()) told = user.fail(failure) || told;
      // A waiting `receive` has reported it; otherwise the next idle, receive or close will.
      if (!told) this.#unreported.push(entry);
    };
    return { info: record('info'), warn: record('warn'), error: record('error') };
  }

  #takeFailure(): TestBotError | undefined {
    if (this.#unreported.length === 0) return undefined;
    const failure = new TestBotError(this.#unreported);
    this.#unreported = [];
    return failure;
  }

  async #runExample(command: BotCommand, example: CommandExample): Promise<void> {
    const input = exampleInput(example);
    const from = typeof example === 'string' ? 'alice' : (example.from ?? 'alice');
    const user = this.user(from);
    await user.online();
    await this.idle();
    user.take();
    await user.send(input);
    await this.idle();
    if (typeof example === 'string' || example.reply === undefined) return;
    const replies = user
      .take()
      .filter((message) => message.from === this.username)
      .map((message) => message.text);
    const expected: ReadonlyArray<string | RegExp> = Array.isArray(example.reply) ? example.reply : [example.reply as string | RegExp];
    const matches =
      replies.length === expected.length &&
      expected.every((want, i) => (typeof want === 'string' ? replies[i] === want : statelessRegExp(want).test(replies[i]!)));
    if (!matches) {
      throw new Error(
        `example ${JSON.stringify(input)} of command "${command.spec.name}" (plugin ${command.plugin}) from ${from}: ` +
          `expected ${describeReplies(expected)}, got ${describeReplies(replies)}`,
      );
    }
  }

  #required<T>(value: T | undefined): T {
    if (value === undefined) throw new Error('the test bot is not started');
    return value;
  }
}

function waitForState(client: SupClient, done: (state: SupClientState) => boolean): Promise<void> {
  if (done(client.state)) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onState = (state: SupClientState): void => {
      if (done(state)) {
        client.off('state', onState);
        resolve();
      } else if (state.type === 'closed') {
        client.off('state', onState);
        reject(state.lastError ?? new Error('the bot\'s client was closed'));
      }
    };
    client.on('state', onState);
  });
}

function describeReplies(replies: ReadonlyArray<string | RegExp>): string {
  if (replies.length === 0) return 'no reply';
  return `[${replies.map((reply) => (typeof reply === 'string' ? JSON.stringify(reply) : String(reply))).join(', ')}]`;
}
