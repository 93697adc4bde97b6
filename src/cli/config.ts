import { cosmiconfig } from 'cosmiconfig';
import { CliError } from './cli-error.js';
import {
  isAnything,
  isArrayOf,
  isEither,
  isInteger,
  isNumber,
  isObject,
  isOneOrMany,
  isString,
  type Check,
} from './config-schema.js';
import { ExitCode } from './exit-codes.js';

export interface BotPluginConfig {
  module: string;
  options?: unknown;
}

export interface BotConfig {
  username?: string;
  plugins?: Array<string | BotPluginConfig>;
  stateDir?: string;
  apology?: string;
  limits?: {
    concurrency?: number;
    handlerTimeoutMs?: number;
    shutdownTimeoutMs?: number;
    rate?: { burst?: number; perSecond?: number };
    loopGuard?: { max?: number; windowMs?: number };
  };
}

/** What a `sup` config file may hold; `sup.config.example.json` shows every key. */
export interface SupConfig {
  host?: string;
  port?: number;
  user?: string;
  timeout?: number;
  server?: {
    host?: string;
    port?: number;
    maxFrameBytes?: number;
    maxConnections?: number;
    loginTimeoutMs?: number;
  };
  /** One bot, or several sharing one process (each with its own username). */
  bot?: BotConfig | BotConfig[];
}

const checkBot: Check = isObject({
  username: isString,
  plugins: isArrayOf(isEither(isString, isObject({ module: isString, options: isAnything }))),
  stateDir: isString,
  apology: isString,
  limits: isObject({
    concurrency: isInteger(1),
    handlerTimeoutMs: isInteger(1),
    shutdownTimeoutMs: isInteger(0),
    rate: isObject({ burst: isInteger(1), perSecond: isNumber(0.001) }),
    loopGuard: isObject({ max: isInteger(1), windowMs: isInteger(1) }),
  }),
});

const checkConfig: Check = isObject({
  $schema: isAnything,
  host: isString,
  port: isInteger(0, 65_535),
  user: isString,
  timeout: isInteger(1),
  server: isObject({
    host: isString,
    port: isInteger(0, 65_535),
    maxFrameBytes: isInteger(64),
    maxConnections: isInteger(1),
    loginTimeoutMs: isInteger(1),
  }),
  bot: isOneOrMany(checkBot),
});

export interface LoadedConfig {
  config: SupConfig;
  /** The file it came from, or undefined when none was found. */
  file: string | undefined;
}

const SEARCH_PLACES = [
  'package.json',
  'sup.config.json',
  '.suprc',
  '.suprc.json',
  '.suprc.yaml',
  '.suprc.yml',
  'sup.config.js',
  'sup.config.mjs',
];

/**
 * Finds and checks the config: the named file, or the first of SEARCH_PLACES from `cwd`
 * up to the home directory. A file that cannot be read or holds a wrong key is an error
 * naming the file and the key, never a silent default.
 */
export async function loadConfig(explicitFile: string | undefined, cwd: string): Promise<LoadedConfig> {
  const explorer = cosmiconfig('sup', { searchPlaces: SEARCH_PLACES, searchStrategy: 'global', cache: false });
  let result;
  try {
    result = explicitFile === undefined ? await explorer.search(cwd) : await explorer.load(explicitFile);
  } catch (error) {
    const file = explicitFile ?? (error as { filepath?: string }).filepath ?? 'the config file';
    throw new CliError(ExitCode.Usage, `cannot read config ${file}: ${reason(error)}; fix or remove the file`, {
      cause: error,
    });
  }
  if (!result || result.isEmpty) return { config: {}, file: result?.filepath };
  const problem = checkConfig(result.config, '');
  if (problem) {
    throw new CliError(ExitCode.Usage, `config ${result.filepath}: ${problem}`);
  }
  return { config: result.config as SupConfig, file: result.filepath };
}

function reason(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
