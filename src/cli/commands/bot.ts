import { InvalidArgumentError, Option, type Command } from 'commander';
import type { CliIo } from '../io.js';
import { parsePort } from '../option-parsers.js';
import { addTlsOptions, type TlsFlags } from '../tls-options.js';

export interface BotFlags extends TlsFlags {
  host?: string;
  port?: number;
  user?: string;
  config?: string;
  stateDir?: string;
  check?: boolean;
  embeddedServer?: boolean;
  http?: HttpAddress;
  logFormat: 'text' | 'json';
}

/** Where a bot listens for HTTP. */
export interface HttpAddress {
  host: string;
  port: number;
}

/** Reads `HOST:PORT`, `[v6]:PORT` or `PORT` (host 127.0.0.1); undefined when it is neither. */
export function parseHttpAddress(value: string): HttpAddress | undefined {
  const match = /^(?:(\[[^\]]+\]|[^:]+):)?(\d{1,5})$/.exec(value.trim());
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (port > 65_535) return undefined;
  return { host: match[1]?.replace(/^\[|\]$/g, '') ?? '127.0.0.1', port };
}

function httpOption(value: string): HttpAddress {
  const address = parseHttpAddress(value);
  if (address === undefined) throw new InvalidArgumentError('expected HOST:PORT or PORT, such as 127.0.0.1:8080.');
  return address;
}

export const DEFAULT_BOT_NAME = 'sup-bot';
export const DEFAULT_STATE_DIR = '.sup-state';

export function registerBotCommand(program: Command, io: CliIo): void {
  const bot = addTlsOptions(program.command('bot'))
    .description('run a bot: plugin modules from the arguments, or the "bot" section of the config file')
    .argument('[module...]', 'plugin modules: file paths or package names')
    .option('-H, --host <host>', 'server host (env SUP_HOST; default: 127.0.0.1)')
    .option('-p, --port <port>', 'server port (env SUP_PORT; default: 7877)', parsePort)
    .option('-u, --user <name>', `the bot's username (default: "bot.username" in the config, else SUP_USER or "user", else ${DEFAULT_BOT_NAME})`)
    .option('-c, --config <file>', 'config file (env SUP_CONFIG; default: searched from here up)')
    .option('--state-dir <dir>', `where plugins keep their data, in a folder per bot (default: ${DEFAULT_STATE_DIR})`)
    .option('--check', 'load and validate every plugin and option, then exit')
    .option('--embedded-server', 'also run the bundled server in this process, on --host and --port')
    .option('--http <address>', 'listen for HTTP (plugin webhooks) on HOST:PORT; PORT alone binds 127.0.0.1', httpOption)
    .addOption(new Option('--log-format <format>', 'log lines on stderr as text or JSON').choices(['text', 'json']).default('text'))
    .action(async (modules: string[], flags: BotFlags) => {
      // Loaded on demand: the one-shot commands never pay for the bot runtime's code.
      const { runBotCommand } = await import('./bot-run.js');
      await runBotCommand(modules, flags, io);
    });

  bot
    .command('init')
    .description('write a new plugin NAME.mjs and its test NAME.test.mjs here, and say how to run both')
    .argument('<name>', 'the plugin name: letters, digits, ".", "_" or "-"')
    .action(async (name: string) => {
      const { runBotInit } = await import('./bot-init.js');
      await runBotInit(name, io);
    });

  bot
    .command('test')
    .description("run plugin tests with node's test runner; `sup` and `sup/testing` resolve without an install")
    .argument('[files...]', 'test files (default: node --test finds them)')
    .action(async (files: string[]) => {
      const { runBotTest } = await import('./bot-test.js');
      await runBotTest(files, io);
    });
}

