import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { DEFAULT_HOST, DEFAULT_PORT } from '../protocol/constants.js';
import { usernameProblem } from '../protocol/username.js';
import { CliError } from './cli-error.js';
import { loadConfig, type LoadedConfig } from './config.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import { resolveClientTls, type TlsFlags } from './tls-options.js';
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
  json: boolean;
  quiet: boolean;
  loaded: LoadedConfig;
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Flag, then environment, then config file, then defaults. */
export async function resolveSettings(flags: CommonFlags, io: CliIo): Promise<Settings> {
  const loaded = await loadConfigFor(flags.config, io);
  const { config } = loaded;
  const user = flags.user ?? nonEmpty(io.env.SUP_USER) ?? config.user;
  if (user !== undefined) requireUsername(user, flags.user !== undefined ? '--user' : io.env.SUP_USER ? 'SUP_USER' : `"user" in ${loaded.file}`);
  return {
    host: flags.host ?? nonEmpty(io.env.SUP_HOST) ?? config.host ?? DEFAULT_HOST,
    port: flags.port ?? envPort(io.env.SUP_PORT) ?? config.port ?? DEFAULT_PORT,
    user,
    timeoutMs: flags.timeout ?? config.timeout ?? DEFAULT_TIMEOUT_MS,
    tls: await resolveClientTls(flags, io.env, config.tls, loaded.file, io.cwd),
    json: flags.json ?? false,
    quiet: flags.quiet ?? false,
    loaded,
  };
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

function osLoginName(env: NodeJS.ProcessEnv): string | undefined {
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
