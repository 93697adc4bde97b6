import { Option, type Command } from 'commander';
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
  logFormat: 'text' | 'json';
}

export const DEFAULT_BOT_NAME = 'sup-bot';
export const DEFAULT_STATE_DIR = '.sup-state';

export function registerBotCommand(program: Command, io: CliIo): void {
  addTlsOptions(program.command('bot'))
    .description('run a bot: plugin modules from the arguments, or the "bot" section of the config file')
    .argument('[module...]', 'plugin modules: file paths or package names')
    .option('-H, --host <host>', 'server host (env SUP_HOST; default: 127.0.0.1)')
    .option('-p, --port <port>', 'server port (env SUP_PORT; default: 7877)', parsePort)
    .option('-u, --user <name>', `the bot's username (default: "bot.username" in the config, else SUP_USER or "user", else ${DEFAULT_BOT_NAME})`)
    .option('-c, --config <file>', 'config file (env SUP_CONFIG; default: searched from here up)')
    .option('--state-dir <dir>', `where plugins keep their data, in a folder per bot (default: ${DEFAULT_STATE_DIR})`)
    .option('--check', 'load and validate every plugin and option, then exit')
    .option('--embedded-server', 'also run the bundled server in this process, on --host and --port')
    .addOption(new Option('--log-format <format>', 'log lines on stderr as text or JSON').choices(['text', 'json']).default('text'))
    .action(async (modules: string[], flags: BotFlags) => {
      // Loaded on demand: the one-shot commands never pay for the bot runtime's code.
      const { runBotCommand } = await import('./bot-run.js');
      await runBotCommand(modules, flags, io);
    });
}

