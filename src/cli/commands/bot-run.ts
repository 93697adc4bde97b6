import { dirname, resolve } from 'node:path';
import { BotError } from '../../bot/errors.js';
import { loadPlugins, type LoadedPlugin, type PluginSpec } from '../../bot/loader.js';
import { childLogger, createLineLogger, silentLogger, type BotLogger } from '../../bot/logger.js';
import { BotRuntime } from '../../bot/runtime.js';
import { SupClient } from '../../client/sup-client.js';
import type { SupServer } from '../../server/sup-server.js';
import { CliError } from '../cli-error.js';
import { cliFailure } from '../client-failure.js';
import type { BotConfig } from '../config.js';
import { ExitCode } from '../exit-codes.js';
import { whenAborted, writeLine, type CliIo } from '../io.js';
import { requireUsername, resolveSettings, type Settings } from '../settings.js';
import type { BotHttpOptions } from '../../bot/http-routes.js';
import { DEFAULT_BOT_NAME, DEFAULT_STATE_DIR, parseHttpAddress, type BotFlags } from './bot.js';
import { serverOptionsFrom } from '../server-options.js';
import { standaloneOptions, startAnnouncedServer, stopAnnouncedServer } from './server-run.js';

/** One bot to run: a username and its checked plugins. */
interface BotPlan {
  username: string;
  plugins: LoadedPlugin[];
  stateDir: string;
  config: BotConfig;
  http: BotHttpOptions | undefined;
}

export async function runBotCommand(modules: string[], flags: BotFlags, io: CliIo): Promise<void> {
  const { host, port, user, config, tls, tlsCa, tlsCert, tlsKey } = flags;
  const settings = await resolveSettings({ host, port, user, config, tls, tlsCa, tlsCert, tlsKey }, io);
  const plans = await planBots(modules, flags, settings, io);
  if (flags.check) {
    for (const plan of plans) checkBot(plan, settings);
    for (const plan of plans) {
      const names = plan.plugins.map((loaded) => loaded.plugin.name).join(', ');
      writeLine(io.stdout, `ok: bot "${plan.username}" with plugins ${names}`);
    }
    return;
  }
  await runBots(plans, flags, settings, io);
}

/** The bots the arguments or the config ask for, with every plugin loaded and checked. */
async function planBots(modules: string[], flags: BotFlags, settings: Settings, io: CliIo): Promise<BotPlan[]> {
  const { config, file } = settings.loaded;
  // Paths in a config file are relative to that file, as in most tools' configs.
  const configDir = file === undefined ? io.cwd : dirname(file);
  const configured = config.bot === undefined ? [] : Array.isArray(config.bot) ? config.bot : [config.bot];
  const single = !Array.isArray(config.bot);

  if (modules.length > 0 || configured.length === 0) {
    if (modules.length === 0) {
      throw new CliError(
        ExitCode.Usage,
        'no plugins to run: name modules (sup bot bots/echo.js) or list them under "bot.plugins" in a config file',
      );
    }
    const base = single ? configured[0] ?? {} : {};
    const username = flags.user ?? base.username ?? settings.user ?? DEFAULT_BOT_NAME;
    const specs = modules.map((module): PluginSpec => ({ module }));
    return [await plan(username, specs, io.cwd, base, flags, configDir, io)];
  }

  if (flags.user !== undefined && configured.length > 1) {
    throw new CliError(ExitCode.Usage, `--user names one bot, but ${file} defines ${configured.length}: set each "username" there`);
  }
  if (flags.http !== undefined && configured.length > 1) {
    throw new CliError(ExitCode.Usage, `--http is for one bot, but ${file} defines ${configured.length}: set each bot's "http" there`);
  }
  const plans: BotPlan[] = [];
  for (const [index, bot] of configured.entries()) {
    const username = single ? flags.user ?? bot.username ?? settings.user ?? DEFAULT_BOT_NAME : bot.username;
    if (username === undefined) {
      throw new CliError(ExitCode.Usage, `config ${file}: "bot[${index}].username" is required when several bots are defined`);
    }
    const specs = (bot.plugins ?? []).map((entry): PluginSpec => (typeof entry === 'string' ? { module: entry } : entry));
    if (specs.length === 0) {
      throw new CliError(ExitCode.Usage, `config ${file}: bot "${username}" has no "plugins"; list at least one module`);
    }
    plans.push(await plan(username, specs, configDir, bot, flags, configDir, io));
  }
  const names = plans.map((p) => p.username);
  const repeated = names.find((name, i) => names.indexOf(name) !== i);
  if (repeated !== undefined) throw new CliError(ExitCode.Usage, `config ${file}: two bots are named "${repeated}"; give each its own username`);
  return plans;
}

async function plan(
  username: string,
  specs: PluginSpec[],
  pluginDir: string,
  config: BotConfig,
  flags: BotFlags,
  configDir: string,
  io: CliIo,
): Promise<BotPlan> {
  requireUsername(username, 'the bot username');
  // Always a folder per bot, so bots sharing a state directory never share a store file.
  const stateRoot =
    flags.stateDir !== undefined
      ? resolve(io.cwd, flags.stateDir)
      : config.stateDir !== undefined
        ? resolve(configDir, config.stateDir)
        : resolve(io.cwd, DEFAULT_STATE_DIR);
  const stateDir = resolve(stateRoot, username);
  try {
    // Limits need no check here: the config schema checks them with the runtime's own bounds.
    const plugins = await loadPlugins(specs, { cwd: pluginDir });
    return { username, plugins, stateDir, config, http: httpOptions(flags, config, username) };
  } catch (error) {
    throw botFailure(error);
  }
}

function createRuntime(plan: BotPlan, settings: Settings, logger: BotLogger): BotRuntime {
  const client = new SupClient({ host: settings.host, port: settings.port, tls: settings.tls, username: plan.username });
  try {
    return new BotRuntime({
      client,
      plugins: plan.plugins,
      username: plan.username,
      stateDir: plan.stateDir,
      limits: plan.config.limits,
      apology: plan.config.apology,
      ...(plan.config.admins === undefined ? {} : { admins: plan.config.admins }),
      ...(plan.config.fallback === undefined ? {} : { fallback: plan.config.fallback }),
      ...(plan.http === undefined ? {} : { http: plan.http }),
      logger,
    });
  } catch (error) {
    client.close();
    throw botFailure(error);
  }
}

/** --check builds each runtime (which checks names, limits and options) without connecting. */
function checkBot(plan: BotPlan, settings: Settings): void {
  createRuntime(plan, settings, silentLogger);
}

async function runBots(plans: BotPlan[], flags: BotFlags, settings: Settings, io: CliIo): Promise<void> {
  const log = createLineLogger((line) => writeLine(io.stderr, line), flags.logFormat);
  // stderr carries log lines only, so --log-format json stays parseable line by line.
  const releaseWarnings = io.captureWarnings?.((warning) =>
    log.warn('process-warning', { name: warning.name, message: warning.message }),
  );
  try {
    await runBotsLogging(plans, flags, settings, io, log);
  } finally {
    releaseWarnings?.();
  }
}

async function runBotsLogging(plans: BotPlan[], flags: BotFlags, settings: Settings, io: CliIo, log: BotLogger): Promise<void> {
  let server: SupServer | undefined;
  if (flags.embeddedServer) {
    const { config, file } = settings.loaded;
    const logger = childLogger(log, { component: 'server' });
    server = await startAnnouncedServer({ ...serverOptionsFrom({}, standaloneOptions(config.server), file, io.cwd), host: settings.host, port: settings.port, logger }, io);
    settings = { ...settings, port: server.address!.port };
  }
  const runtimes = plans.map((plan) =>
    createRuntime(plan, settings, plans.length > 1 ? childLogger(log, { bot: plan.username }) : log),
  );
  const stopAll = async (): Promise<void> => {
    // Reverse order, like plugin disposers: the first bot started is the last to go.
    for (const runtime of [...runtimes].reverse()) await runtime.stop();
    if (server !== undefined) await stopAnnouncedServer(server);
  };
  try {
    const started = Promise.all(runtimes.map((runtime) => runtime.start()));
    await Promise.race([started, whenAborted(io.shutdown)]);
    if (!io.shutdown.aborted) await whenAborted(io.shutdown);
    await stopAll();
    // A start cut short by shutdown is not an error.
    await started.catch(() => {});
  } catch (error) {
    // The first failure is the one to report; a shutdown that then drops messages still logs it.
    await stopAll().catch(() => {});
    throw botFailure(error);
  }
}

/** The HTTP listener a bot gets: --http, else its config's "http", else none. */
function httpOptions(flags: BotFlags, config: BotConfig, username: string): BotHttpOptions | undefined {
  if (flags.http !== undefined) return flags.http;
  const http = config.http;
  if (http === undefined || typeof http === 'object') return http;
  const address = parseHttpAddress(http);
  if (address === undefined) {
    throw new CliError(ExitCode.Usage, `bot "${username}": "http" must be "HOST:PORT" or "PORT" (such as "127.0.0.1:8080"), got ${JSON.stringify(http)}`);
  }
  return address;
}

function botFailure(error: unknown): CliError {
  if (error instanceof BotError) return new CliError(ExitCode.Usage, error.message, { cause: error });
  return cliFailure(error);
}
