import { Command, CommanderError } from 'commander';
import { CliError } from './cli-error.js';
import { registerBotCommand } from './commands/bot.js';
import { registerCompletionCommand } from './commands/completion.js';
import { registerConfigCommand } from './commands/config.js';
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
  6  an internal error in sup (a bug: please report it)
  7  sup server (or sup bot --embedded-server) stopped, but its shutdown deadline cut off acknowledged messages
  130  interrupted (SIGINT or SIGTERM) before a one-shot command finished`;

/** One line in the same `sup: ` voice as every other error, pointing at the command's own help. */
function usageLine(text: string, command: Command): string {
  let line = text.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ');
  // `sup send bob "-5 degrees"`: the text looks like an option; `--` ends the options.
  if (command.name() === 'send' && line.startsWith('unknown option') && !line.includes('Did you mean')) {
    line += `; if it is part of the message, put -- before the message: sup send <user> -- "-5 degrees outside"`;
  }
  const help = command.parent ? `sup ${command.name()} --help` : 'sup --help';
  return `sup: ${line} (see '${help}')\n`;
}

/** Builds the `sup` program around the given streams; commander never exits the process. */
export function createProgram(io: CliIo): Command {
  const program = new Command('sup')
    .description('Sup chat from the shell: send, query, listen, run a server')
    .version(VERSION, '-V, --version', 'print the version')
    .addHelpText('after', EXIT_CODES_HELP)
    .exitOverride();
  registerSendCommand(program, io);
  registerContactsCommand(program, io);
  registerStatusCommand(program, io);
  registerListenCommand(program, io);
  registerConfigCommand(program, io);
  registerServerCommand(program, io);
  registerBotCommand(program, io);
  registerCompletionCommand(program, io);
  for (const command of [program, ...program.commands]) {
    command.exitOverride().configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: (text, write) => write(usageLine(text, command)),
    });
  }
  return program;
}

/** Runs `sup` with the given arguments (without `node` and the script) and returns the exit code. */
export async function runCli(args: readonly string[], io: CliIo): Promise<number> {
  const program = createProgram(io);
  // `sup help sned`: commander's own help command would print the whole help; an unknown command is an error with a suggestion.
  const argv = args[0] === 'help' && args.length > 1 ? helpFor(program, args[1]!) : [...args];
  let json = false;
  program.hook('preSubcommand', (_, command) => {
    const options = argv.slice(0, argv.includes('--') ? argv.indexOf('--') : undefined);
    json = options.includes('--json') && command.options.some((option) => option.long === '--json');
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.Ok;
  } catch (error) {
    return reportError(error, io, json);
  }
}

/** The arguments that show `name`'s help, or, for no such command, that make commander suggest one. */
function helpFor(program: Command, name: string): string[] {
  const known = program.commands.some((command) => command.name() === name || command.aliases().includes(name));
  return known ? [name, '--help'] : [name];
}

/** Says what went wrong on stderr (and, for a --json command, as one JSON object on stdout); returns the exit code. */
function reportError(error: unknown, io: CliIo, json: boolean): number {
  let exitCode: ExitCode;
  let reason: string;
  let fields: Record<string, unknown> = {};
  if (error instanceof CommanderError) {
    // Help and version exit 0; every other commander error is a usage error, already printed.
    if (error.exitCode === 0) return ExitCode.Ok;
    exitCode = ExitCode.Usage;
    reason = error.message.replace(/^error: /, '').trim().replace(/\s*\n\s*/g, ' ');
  } else if (error instanceof CliError) {
    exitCode = error.exitCode;
    reason = error.message;
    fields = error.jsonFields;
    // An empty message is a plain "no" whose answer was already printed.
    if (reason !== '') writeLine(io.stderr, `sup: ${reason}`);
  } else {
    exitCode = ExitCode.Internal;
    reason = `unexpected error: ${error instanceof Error ? error.message : String(error)} (a bug in sup: please report it with the command you ran)`;
    writeLine(io.stderr, `sup: ${reason}`);
  }
  if (json && reason !== '') writeLine(io.stdout, JSON.stringify({ ...fields, error: reason, exitCode }));
  return exitCode;
}
