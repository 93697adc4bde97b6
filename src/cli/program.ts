import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { registerBotCommand } from './commands/bot.js';
import { registerCompletionCommand } from './commands/completion.js';
import { registerContactsCommand } from './commands/contacts.js';
import { registerListenCommand } from './commands/listen.js';
import { registerSendCommand } from './commands/send.js';
import { registerServerCommand } from './commands/server.js';
import { registerStatusCommand } from './commands/status.js';
import { ExitCode } from './exit-codes.js';
import { writeLine, type CliIo } from './io.js';
import { VERSION } from './version.js';

const EXIT_CODES_HELP = `
Exit codes:
  0  success (delivered, online, listed)
  1  a negative answer: recipient not online (send), offline (status)
  2  usage or configuration error
  3  network: cannot connect, timeout, connection lost
  4  login refused (username taken, invalid, or not authorized)
  5  any other error status from the server
  7  sup server (or sup bot --embedded-server) stopped, but its shutdown deadline cut off acknowledged messages
  130  interrupted (SIGINT or SIGTERM) before a one-shot command finished`;

/** Builds the `sup` program around the given streams; commander never exits the process. */
export function createProgram(io: CliIo): Command {
  const program = new Command('sup')
    .description('Sup chat from the shell: send, query, listen, run a server')
    .version(VERSION, '-V, --version', 'print the version')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      // One line, in the same `sup: ` voice as every other error.
      outputError: (text, write) =>
        write(`sup: ${text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ')} (see 'sup --help')\n`),
    });
  registerSendCommand(program, io);
  registerContactsCommand(program, io);
  registerStatusCommand(program, io);
  registerListenCommand(program, io);
  registerServerCommand(program, io);
  registerBotCommand(program, io);
  registerCompletionCommand(program, io);
  for (const command of program.commands) {
    command.exitOverride().configureOutput(program.configureOutput());
  }
  return program;
}

/** Runs `sup` with the given arguments (without `node` and the script) and returns the exit code. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...args], { from: 'user' });
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io);
  }
}

function reportError(error: unknown, io: CliIo): number {
  if (error instanceof CommanderError) {
    // Help and version exit 0; every other commander error is a usage error, already printed.
    return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  }
  if (error instanceof CliError) {
    // An empty message is a plain "no" whose answer was already printed.
    if (error.message !== '') writeLine(io.stderr, `sup: ${error.message}`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  writeLine(io.stderr, `sup: unexpected error: ${message} (please report this with the command you ran)`);
  return ExitCode.ServerError;
}
