import type { Command } from 'commander';
import type { SupClient } from '../../client/sup-client.js';
import { messageProblem } from '../../protocol/message-text.js';
import { CliError } from '../cli-error.js';
import { cliFailure, isNegativeAnswer } from '../client-failure.js';
import { addCommonOptions } from '../common-options.js';
import { ExitCode } from '../exit-codes.js';
import { writeLine, type CliIo } from '../io.js';
import { withSession } from '../session.js';
import { loginName, requireUsername, resolveSettings, type CommonFlags, type Settings } from '../settings.js';
import { readInputLines, readWholeInput } from '../stdin.js';

interface SendFlags extends CommonFlags {
  lines?: boolean;
}

// Streamed lines are pipelined, but only this many wait for their status at once.
const MAX_LINES_IN_FLIGHT = 64;

export function registerSendCommand(program: Command, io: CliIo): void {
  addCommonOptions(
    program
      .command('send')
      .description('send a message; with no message words, or "-", the message is read from stdin')
      .argument('<user>', 'the recipient')
      .argument('[message...]', 'the message words, joined by single spaces')
      .option('--lines', 'send each non-empty line of stdin as its own message, as it arrives'),
  ).action(async (to: string, words: string[], flags: SendFlags) => {
    requireUsername(to, 'the <user> argument');
    const fromStdin = words.length === 0 || (words.length === 1 && words[0] === '-');
    if (flags.lines && !fromStdin) {
      throw new CliError(ExitCode.Usage, '--lines reads the messages from stdin: give no message words (or "-")');
    }
    const settings = await resolveSettings(flags, io);
    const username = loginName(settings, io.env);
    if (flags.lines) {
      await sendLines(settings, io, username, to);
      return;
    }
    const text = fromStdin ? await readWholeInput(io.stdin) : words.join(' ');
    const problem = messageProblem(to, text);
    if (problem) throw new CliError(ExitCode.Usage, `cannot send: ${problem}`);
    const plan = { username, reconnect: false, deadline: true, progress: !fromStdin && !settings.quiet && !settings.json };
    const delivered = await withSession(settings, io, plan, (client) => deliver(client, to, text, settings, io));
    if (!delivered) throw new CliError(ExitCode.Negative, '');
  });
}

/** Sends one message; false (after saying so) when the recipient is not online. */
async function deliver(client: SupClient, to: string, text: string, settings: Settings, io: CliIo): Promise<boolean> {
  try {
    await client.send(to, text);
    if (settings.json) writeLine(io.stdout, JSON.stringify({ to, delivered: true }));
    return true;
  } catch (error) {
    if (!isNegativeAnswer(error)) throw error;
    if (settings.json) writeLine(io.stdout, JSON.stringify({ to, delivered: false, status: error.status }));
    if (!settings.quiet) writeLine(io.stderr, `sup: ${error.message}`);
    return false;
  }
}

/**
 * Streams stdin line by line, each line a message, in order, as lines arrive. A line the
 * protocol cannot carry stops the stream (exit 2) rather than being dropped unseen; a line
 * whose recipient is offline is reported and the stream goes on, ending with exit 1.
 */
async function sendLines(settings: Settings, io: CliIo, username: string, to: string): Promise<void> {
  let undelivered = 0;
  const plan = { username, reconnect: true, deadline: false, progress: false };
  await withSession(settings, io, plan, async (client) => {
    // A fatal failure must end the stream at once, not when the next line happens to arrive.
    let fail: (error: CliError) => void = () => {};
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    failed.catch(() => {});
    const report = (line: number, error: unknown): void => {
      if (!isNegativeAnswer(error)) {
        fail(cliFailure(error));
        return;
      }
      undelivered++;
      if (settings.json) writeLine(io.stdout, JSON.stringify({ to, line, delivered: false, status: error.status }));
      if (!settings.quiet) writeLine(io.stderr, `sup: line ${line} not delivered: ${error.message}`);
    };
    const inFlight: Array<Promise<void>> = [];
    const lines = readInputLines(io.stdin);
    try {
      for (let line = 1; ; line++) {
        const next = await Promise.race([lines.next(), failed]);
        if (next.done) break;
        const problem = messageProblem(to, next.value);
        if (problem) throw new CliError(ExitCode.Usage, `cannot send line ${line}: ${problem}`);
        inFlight.push(
          client.send(to, next.value).then(
            () => {
              if (settings.json) writeLine(io.stdout, JSON.stringify({ to, line, delivered: true }));
            },
            (error: unknown) => report(line, error),
          ),
        );
        if (inFlight.length >= MAX_LINES_IN_FLIGHT) await Promise.race([inFlight.shift(), failed]);
      }
      await Promise.race([Promise.all(inFlight), failed]);
    } finally {
      void lines.return(undefined);
    }
  });
  if (undelivered > 0) throw new CliError(ExitCode.Negative, '');
}
