import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stripVTControlCharacters } from 'node:util';
import type { CosmiconfigResult, PublicExplorer } from 'cosmiconfig';
import type { BotLimits } from '../bot/options.js';
import type { SupServerOptions } from '../server/options.js';
import { CliError } from './cli-error.js';
import type { ConfigServerOption } from './config-schema.js';
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
  /** Usernames that may run `admin: true` commands. */
  admins?: string[];
  /** Answer messages nothing handled with a hint (default true). */
  fallback?: boolean;
  /** The HTTP listener for `ctx.http` routes: `"HOST:PORT"`, `"PORT"`, or an object. */
  http?: string | { host?: string; port: number; maxBodyBytes?: number };
  limits?: BotLimits;
}

/** What a `sup` config file may hold; `sup.config.example.json` shows every key. */
export interface SupConfig {
  host?: string;
  port?: number;
  user?: string;
  timeout?: number;
  /** `true` (the system's CAs) or PEM files, relative to the config file. */
  tls?: boolean | { ca?: string; cert?: string; key?: string };
  server?: Pick<SupServerOptions, ConfigServerOption> & {
    /** TLS files, relative to the config file. */
    tlsCert?: string;
    tlsKey?: string;
    tlsClientCa?: string;
    requireClientCert?: boolean;
    reserve?: string[];
    /** `HOST:PORT` (or `PORT`) of the metrics endpoint. */
    metrics?: string;
    /** NATS URLs of a cluster to join: a comma-separated string or an array. */
    cluster?: string | string[];
    clusterName?: string;
    workers?: number;
  };
  /** One bot, or several sharing one process (each with its own username). */
  bot?: BotConfig | BotConfig[];
}

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
  'sup.config.cjs',
];

// Config files that are code: running one found by searching trusts whoever could write it.
const CODE_EXTENSIONS = new Set(['.js', '.mjs', '.cjs', '.ts']);

/**
 * Finds and checks the config: the named file, or the first of SEARCH_PLACES from `cwd`
 * up to the root. A file that cannot be read or holds a wrong key is an error
 * naming the file and the key, never a silent default.
 */
export async function loadConfig(explicitFile: string | undefined, cwd: string): Promise<LoadedConfig> {
  let result;
  try {
    result = explicitFile === undefined ? await findConfig(cwd) : await (await explorer()).load(explicitFile);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const file = (error as { filepath?: string }).filepath ?? explicitFile ?? 'the config file';
    // A named file that is not there is a wrong path, not a broken file.
    const advice =
      explicitFile !== undefined && (error as { code?: string }).code === 'ENOENT'
        ? 'check the --config flag or SUP_CONFIG'
        : 'fix or remove the file';
    throw new CliError(ExitCode.Usage, `cannot read config ${file}: ${await reason(error, file)}; ${advice}`, { cause: error });
  }
  if (!result) return { config: {}, file: undefined };
  if (result.isEmpty) {
    const what =
      basename(result.filepath) === 'package.json'
        ? 'has no "sup" key'
        : CODE_EXTENSIONS.has(extname(result.filepath))
          ? 'has no default export: export default { ... }, {} for no settings'
          : 'is empty: write {} for no settings';
    throw new CliError(ExitCode.Usage, `config ${result.filepath} ${what}, or remove the file`);
  }
  // Loaded only when there is a file to check: it holds every layer's option bounds.
  const { checkConfig, configPath } = await import('./config-schema.js');
  const problem = checkConfig(result.config, '', configPath);
  if (problem) {
    throw new CliError(ExitCode.Usage, `config ${result.filepath}: ${problem.message}`);
  }
  return { config: result.config as SupConfig, file: result.filepath };
}

/** cosmiconfig, loaded only when there is a file to read: most runs (cron, scripts) have none. */
async function explorer(): Promise<PublicExplorer> {
  const { createExplorer } = await import('./config-explorer.js');
  return createExplorer(SEARCH_PLACES);
}

/**
 * The first of SEARCH_PLACES that holds a config, from `dir` up to the root. cosmiconfig's
 * own search skips a file it cannot read (EACCES) as if it were not there; loading each
 * file that exists makes an unreadable one the error it should be.
 */
async function findConfig(dir: string): Promise<CosmiconfigResult> {
  for (let current = resolve(dir); ; current = dirname(current)) {
    const present = await namesIn(current);
    for (const place of SEARCH_PLACES) {
      const file = join(current, place);
      if (present ? !present.has(place) : !(await isFile(file))) continue;
      if (place === 'package.json' && !(await mentionsSup(file))) continue;
      if (CODE_EXTENSIONS.has(extname(place))) await requireTrusted(file);
      let result;
      try {
        result = await (await explorer()).load(file);
      } catch (error) {
        // A read error (EACCES) comes straight from the file system, without the file's name.
        if (typeof error === 'object' && error !== null) (error as { filepath?: string }).filepath ??= file;
        throw error;
      }
      // null: a package.json without a "sup" key, not a config; an empty file is reported by the caller.
      if (result !== null) return result;
    }
    if (dirname(current) === current) return null;
  }
}

/**
 * Like git's safe.directory: code found by searching runs only when it is ours (or root's)
 * and no one else can write it; a file named with --config or SUP_CONFIG is trusted.
 */
async function requireTrusted(file: string): Promise<void> {
  const me = process.getuid?.();
  if (me === undefined) return;
  let stats;
  try {
    stats = await stat(file);
  } catch {
    // Gone or unreadable: loading it reports that with the file's name.
    return;
  }
  const trust = `or pass it with --config ${file} (or SUP_CONFIG) if you trust it`;
  if (stats.uid !== me && stats.uid !== 0) {
    throw new CliError(
      ExitCode.Usage,
      `refusing to run config ${file}: it is code owned by another user (uid ${stats.uid}), who could make sup run anything as you; fix: chown it to yourself, ${trust}`,
    );
  }
  if ((stats.mode & 0o022) !== 0) {
    const who = (stats.mode & 0o020) !== 0 ? ((stats.mode & 0o002) !== 0 ? 'its group and others' : 'its group') : 'others';
    throw new CliError(
      ExitCode.Usage,
      `refusing to run config ${file}: it is code, and ${who} can write it, so they could make sup run anything as you; fix: chmod go-w ${file}, ${trust}`,
    );
  }
}

/** One directory listing instead of a stat per search place; undefined when it cannot be listed. */
async function namesIn(dir: string): Promise<Set<string> | undefined> {
  try {
    return new Set(await readdir(dir));
  } catch {
    return undefined;
  }
}

/** Most package.json files have no "sup" key; checking is cheaper than loading cosmiconfig. */
async function mentionsSup(file: string): Promise<boolean> {
  try {
    const manifest: unknown = JSON.parse(await readFile(file, 'utf8'));
    return typeof manifest === 'object' && manifest !== null && Object.hasOwn(manifest, 'sup');
  } catch {
    // Unreadable or not JSON: let cosmiconfig report it with the file's name.
    return true;
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

async function reason(error: unknown, file: string): Promise<string> {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  // The code frame is coloured when the parser thinks it has a colour terminal (CI=true does that).
  const message = stripVTControlCharacters(error instanceof Error ? error.message : String(error));
  // The JSON and YAML loaders put "JSON Error in <file>:" first and a code frame around the
  // actual reason; keep only the reason, since the file is named already.
  const lines = message
    .replace(/^(JSON|YAML) Error in [^\n]*:\s*/, '')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !/^(>|\d+ \||\||-+\^)/.test(line));
  const first = (lines[0] ?? message).replace(/ while parsing .*$/, '');
  if (!(error instanceof Error) || /^(JSON|YAML) Error/.test(message)) return first;
  // A JS config's own error: its kind (unless a plain Error) and the line of the config it came from.
  const kind = error.name !== 'Error' && !first.startsWith(error.name) ? `${error.name}: ` : '';
  const line = await lineIn(error, file);
  return `${line === undefined ? '' : `line ${line}: `}${kind}${first}`;
}

/**
 * The line of `file` an error points at: the first stack frame in it, or, for a syntax
 * error in an ES module (whose stack names no place on Node 20), what `node --check` says.
 */
async function lineIn(error: Error, file: string): Promise<number | undefined> {
  const inStack = firstLineOf(error.stack ?? '', file);
  if (inStack !== undefined || !(error instanceof SyntaxError) || !CODE_EXTENSIONS.has(extname(file))) return inStack;
  const { spawnSync } = await import('node:child_process');
  const check = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8', timeout: 10_000 });
  return firstLineOf(check.stderr ?? '', file);
}

function firstLineOf(text: string, file: string): number | undefined {
  for (const [, place, line] of text.matchAll(/(file:\/\/[^\s:()]+|\/[^\s:()]+):(\d+)/g)) {
    const path = place!.startsWith('file:') ? fileURLToPath(place!) : place;
    if (path === file) return Number(line);
  }
  return undefined;
}
