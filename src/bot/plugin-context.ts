import { BotErrorCode, PluginSetupError } from './errors.js';
import type { HttpHandler, HttpRoutes } from './http-routes.js';
import type { LoadedPlugin } from './loader.js';
import { childLogger, type BotLogger } from './logger.js';
import type { MessageHandler } from './message-handler.js';
import type { CommandOptions, CommandRun, CommandSpec, HearHandler, PluginContext, SendOutcome } from './plugin.js';
import type { CronOptions, EveryOptions, JobFunction, ScheduleClock, Scheduler } from './schedule.js';
import type { JsonFileStore } from './store.js';

/** What a plugin's context registers with and sends through: the runtime's parts. */
export interface PluginContextParts {
  botName: string;
  store: JsonFileStore;
  logger: BotLogger;
  /** Aborted when the bot stops. */
  signal: AbortSignal;
  handler: MessageHandler;
  send: (plugin: string, to: string, text: string) => Promise<SendOutcome>;
  scheduler: Scheduler;
  scheduleClock: ScheduleClock;
  httpEnabled: boolean;
  routes: HttpRoutes;
}

/** The `ctx` a plugin's setup gets: every registration names the plugin. */
export function pluginContext(loaded: LoadedPlugin, parts: PluginContextParts): PluginContext<unknown> {
  const plugin = loaded.plugin.name;
  const { handler, scheduler, routes } = parts;
  return Object.freeze({
    name: plugin,
    botName: parts.botName,
    options: loaded.options,
    log: childLogger(parts.logger, { plugin }),
    store: parts.store,
    signal: parts.signal,
    command: (spec: CommandSpec | string, options?: CommandOptions, run?: CommandRun) =>
      handler.registerCommand(plugin, typeof spec === 'string' ? ({ ...options, name: spec, run } as CommandSpec) : spec),
    hear: (pattern: RegExp | string, hear: HearHandler) => handler.registerHear(plugin, pattern, hear),
    send: (to: string, text: string) => parts.send(plugin, to, text),
    every: (ms: number, fn: JobFunction, options?: EveryOptions) => registration(plugin, () => scheduler.every(plugin, ms, fn, options)),
    cron: (pattern: string, fn: JobFunction, options?: CronOptions) => registration(plugin, () => scheduler.cron(plugin, pattern, fn, options)),
    now: () => new Date(parts.scheduleClock.now()),
    http: Object.freeze({
      enabled: parts.httpEnabled,
      get: (path: string, route: HttpHandler) => registration(plugin, () => routes.add(plugin, 'GET', path, route)),
      post: (path: string, route: HttpHandler) => registration(plugin, () => routes.add(plugin, 'POST', path, route)),
    }),
  });
}

/** Runs a registration; a mistake in it names the plugin, and during setup stops start-up. */
function registration<T>(plugin: string, register: () => T): T {
  try {
    return register();
  } catch (error) {
    throw new PluginSetupError(BotErrorCode.PluginInvalidRegistration, plugin, `plugin "${plugin}": ${(error as Error).message}`, {
      cause: error,
    });
  }
}
