import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_HOST, DEFAULT_PORT } from '../protocol/constants.js';
import { usernameProblem } from '../protocol/username.js';
import { CliError } from './cli-error.js';
import { loadConfig, type LoadedConfig } from './config.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { describeOrigin, type Origin } from './origin.js';
import { locateClientTls, readClientTls, type ClientTlsSources, type TlsFlags } from './tls-options.js';

export { describeOrigin, type Origin } from './origin.js';
import type { ClientTlsOptions } from '../client/node-transport.js';

/** The flags every client command takes. */
export interface CommonFlags extends TlsFlags {
  host?: string;
  port?: number;
  user?: string;
  config?: string;
  timeout?: number;
  json?: boolean;
  quiet?: boolean;
}

export interface Settings {
  host: string;
  port: number;
  /** The name given by flag, env or config; undefined when none was. */
  user: string | undefined;
  timeoutMs: number;
  /** TLS settings with the PEM files read; undefined for plain TCP. */
  tls: true | ClientTlsOptions | undefined;
  /** Whether TLS is on and which files it uses, each with where it came from. */
  tlsSources: ClientTlsSources;
  json: boolean;
  quiet: boolean;
  loaded: LoadedConfig;
  /** Where each of host, port, user (when given) and timeoutMs came from. */
  origins: { host: Origin; port: Origin; user: Origin | undefined; timeoutMs: Origin };
}

export const DEFAULT_TIMEOUT_MS = 10_000;

const DEFAULT: Origin = { from: 'default' };

/** The first candidate that has a value, with its origin; each is only looked at when those before it had none. */
function pick<T>(...candidates: Array<readonly [() => T | undefined, Origin]>): { value: T; origin: Origin } | undefined {
  for (const [value, origin] of candidates) {
    const found = value();
    if (found !== undefined) return { value: found, origin };
  }
  return undefined;
}

/** Flag, then environment, then config file, then defaults. */
export async function resolveSettings(flags: CommonFlags, io: CliIo): Promise<Settings> {
  const loaded = await loadConfigFor(flags.config, io);
  const { config } = loaded;
  const inFile = (key: string): Origin => ({ from: 'file', file: loaded.file ?? '', key });
  const user = pick<string>(
    [() => flags.user, { from: 'flag', flag: '--user' }],
    [() => nonEmpty(io.env.SUP_USER), { from: 'env', name: 'SUP_USER' }],
    [() => config.user, inFile('user')],
  );
  if (user !== undefined) requireUsername(user.value, describeOrigin(user.origin));
  const host = pick<string>(
    [() => flags.host, { from: 'flag', flag: '--host' }],
    [() => nonEmpty(io.env.SUP_HOST), { from: 'env', name: 'SUP_HOST' }],
    [() => config.host, inFile('host')],
    [() => DEFAULT_HOST, DEFAULT],
  )!;
  const port = pick<number>(
    [() => flags.port, { from: 'flag', flag: '--port' }],
    [() => envPort(io.env.SUP_PORT), { from: 'env', name: 'SUP_PORT' }],
    [() => config.port, inFile('port')],
    [() => DEFAULT_PORT, DEFAULT],
  )!;
  const timeout = pick<number>(
    [() => flags.timeout, { from: 'flag', flag: '--timeout' }],
    [() => config.timeout, inFile('timeout')],
    [() => DEFAULT_TIMEOUT_MS, DEFAULT],
  )!;
  const tlsSources = locateClientTls(flags, io.env, config.tls, loaded.file, io.cwd);
  return {
    host: host.value,
    port: port.value,
    user: user?.value,
    timeoutMs: timeout.value,
    tls: await readClientTls(tlsSources),
    tlsSources,
    json: flags.json ?? false,
    quiet: flags.quiet ?? false,
    loaded,
    origins: { host: host.origin, port: port.origin, user: user?.origin, timeoutMs: timeout.origin },
  };
}

/** Which config file is read: the one named by --config, else by SUP_CONFIG, else the one found from cwd up. */
export function configOrigin(configFlag: string | undefined, io: CliIo): Origin | undefined {
  if (configFlag !== undefined) return { from: 'flag', flag: '--config' };
  if (nonEmpty(io.env.SUP_CONFIG) !== undefined) return { from: 'env', name: 'SUP_CONFIG' };
  return undefined;
}

/** The config file named by --config, else by SUP_CONFIG, else the one found from cwd up. */
export function loadConfigFor(configFlag: string | undefined, io: CliIo): Promise<LoadedConfig> {
  const file = configFlag ?? nonEmpty(io.env.SUP_CONFIG);
  return loadConfig(file === undefined ? undefined : resolve(io.cwd, file), io.cwd);
}

/** The configured name, else the OS login name (which must itself be a valid username). */
export function loginName(settings: Settings, env: NodeJS.ProcessEnv): string {
  if (settings.user !== undefined) return settings.user;
  const osName = osLoginName(env);
  if (osName === undefined) {
    throw new CliError(ExitCode.Usage, 'no username configured and no OS login name found: pass --user NAME or set SUP_USER');
  }
  requireUsername(osName, 'your OS login name');
  return osName;
}

/** Refuses a name the server would answer 102 before anything connects. */
export function requireUsername(name: string, source: string): void {
  const problem = usernameProblem(name);
  if (problem) throw new CliError(ExitCode.Usage, `invalid username ${JSON.stringify(name)} (from ${source}): ${problem}`);
}

/** The OS login name, whatever it is; undefined when there is none. */
export function osLoginName(env: NodeJS.ProcessEnv): string | undefined {
  try {
    return userInfo().username;
  } catch {
    // No passwd entry (some containers): fall back to what the shell says.
    return nonEmpty(env.USER) ?? nonEmpty(env.LOGNAME);
  }
}

function envPort(value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port < 1 || port > 65_535) {
    throw new CliError(ExitCode.Usage, `SUP_PORT must be a port number from 1 to 65535, got ${JSON.stringify(value)}`);
  }
  return port;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
