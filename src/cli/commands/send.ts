import type { Command } from 'commander';
import type { SupClient, SupMessage } from '../../client/sup-client.js';
import { DEFAULT_MAX_FRAME_BYTES } from '../../protocol/constants.js';
import { messageProblem } from '../../protocol/message-text.js';
import { CliError } from '../cli-error.js';
import { isNegativeAnswer } from '../client-failure.js';
import { addCommonOptions } from '../common-options.js';
import { ExitCode } from '../exit-codes.js';
import { writeLine, type CliIo } from '../io.js';
import { SessionInterruptedError, withSession } from '../session.js';
import { loginName, requireUsername, resolveSettings, type CommonFlags, type Settings } from '../settings.js';
import { readInputLines, readWholeInput, refuseDirectory } from '../stdin.js';

interface SendFlags extends CommonFlags {
  lines?: boolean;
  reply?: boolean;
  ascii?: boolean;
}

// Streamed lines are pipelined, but only this many wait for their status at once.
const MAX_LINES_IN_FLIGHT = 64;
// Transliteration can shorten text (a combining accent becomes nothing), so --ascii reads this many times the limit.
const ASCII_INPUT_FACTOR = 4;

/** Turns text into what the protocol can carry; the identity without --ascii. */
type Fold = (text: string) => string;

export function registerSendCommand(program: Command, io: CliIo): void {
  addCommonOptions(
    program
      .command('send')
      .description('send a message; with no message words, or "-", the message is read from stdin')
      .argument('<user>', 'the recipient')
      .argument('[message...]', 'the message words, joined by single spaces')
      .option('--lines', 'send each non-empty line of stdin as its own message, as it arrives; a line that cannot be sent is reported and skipped (exit 2 at the end)')
      .option('--reply', 'then wait for one message back from <user> and print it (exit 3 if none within --timeout)')
      .option('--ascii', 'transliterate the text to ASCII ("café ✓" goes as "cafe v"), "?" for what has no ASCII form')
      .addHelpText('after', '\nA message that starts with "-": put -- before it, as in  sup send bob -- "-5 degrees outside"'),
  ).action(async (to: string, words: string[], flags: SendFlags) => {
    requireUsername(to, 'the <user> argument');
    const fromStdin = words.length === 0 || (words.length === 1 && words[0] === '-');
    if (flags.lines && !fromStdin) {
      throw new CliError(ExitCode.Usage, '--lines reads the messages from stdin: give no message words (or "-")');
    }
    if (flags.lines && flags.reply) {
      throw new CliError(ExitCode.Usage, '--reply waits for the answer to one message: it does not go with --lines');
    }
    const settings = await resolveSettings(flags, io);
    const username = loginName(settings, io.env);
    // Loaded only for --ascii: the transliteration tables are large.
    const fold: Fold = flags.ascii ? (await import('../ascii-text.js')).toAscii : (text) => text;
    const readLimit = (DEFAULT_MAX_FRAME_BYTES - `send ${to} `.length) * (flags.ascii ? ASCII_INPUT_FACTOR : 1);
    if (fromStdin) {
      await refuseDirectory(io.stdin);
      hintTerminal(io, settings, flags.lines ? 'the messages, one per line,' : 'the message');
    }
    if (flags.lines) {
      await sendLines(settings, io, username, to, fold, readLimit);
      return;
    }
    const text = fold(fromStdin ? await readMessage(io, readLimit) : words.join(' '));
    const problem = messageProblem(to, text);
    if (problem) throw new CliError(ExitCode.Usage, `cannot send: ${problem}${flags.ascii ? '' : asciiHint(text)}`);
    const reply = flags.reply ? new ReplyWaiter(to) : undefined;
    const plan = {
      username,
      reconnect: false,
      deadline: true,
      progress: !fromStdin && !settings.quiet && !settings.json,
      workEndsOnShutdown: false,
      prepare: (client: SupClient) => reply?.listen(client),
      timeoutReason: () =>
        reply?.waiting
          ? `no reply from "${to}" within ${settings.timeoutMs} ms (the message was delivered); raise --timeout to wait longer`
          : undefined,
    };
    let sent = false;
    try {
      const delivered = await withSession(settings, io, plan, async (client) => {
        sent = await deliver(client, to, text, settings, io, reply);
        if (sent && reply) printReply(await reply.next(), to, settings, io);
        return sent;
      });
      if (!delivered) throw new CliError(ExitCode.Negative, '');
    } catch (error) {
      // With --json, the failure's one object still says where the message went.
      if (error instanceof CliError) error.jsonFields = sent ? { to, delivered: true } : { to };
      throw error;
    }
  });
}

/** On a terminal, a person may not know that sup waits for them: say so, and how to end. */
function hintTerminal(io: CliIo, settings: Settings, what: string): void {
  if ((io.stdin as { isTTY?: boolean }).isTTY !== true || settings.quiet) return;
  writeLine(io.stderr, `sup: reading ${what} from the terminal; end with Ctrl-D on a line of its own (Ctrl-C cancels)`);
}

/** For text refused over a character outside ASCII: the flag that would carry it. */
function asciiHint(text: string): string {
  return /[^\x00-\x7f]/.test(text) ? ' (or add --ascii to transliterate it)' : '';
}

/** The whole of stdin as the message, read no further than `maxBytes`. */
async function readMessage(io: CliIo, maxBytes: number): Promise<string> {
  let input;
  try {
    input = await readWholeInput(io.stdin, io.shutdown, maxBytes);
  } catch (error) {
    if (error instanceof CliError) throw error;
    const reason = error instanceof Error ? error.message : String(error);
    throw new CliError(ExitCode.Usage, `cannot read the message from stdin: ${reason}`, { cause: error });
  }
  if (input === undefined) {
    throw new SessionInterruptedError(ExitCode.Interrupted, 'interrupted while reading the message from stdin; nothing was sent');
  }
  if (input.type === 'too-long') {
    throw new CliError(
      ExitCode.Usage,
      `cannot send: the message is too long: stdin holds more than ${input.maxBytes} bytes, which makes a frame over the ${DEFAULT_MAX_FRAME_BYTES}-byte limit; nothing was sent (use --lines to send it line by line)`,
    );
  }
  return input.text;
}

/** Sends one message; false (after saying so) when the recipient is not online. */
async function deliver(
  client: SupClient,
  to: string,
  text: string,
  settings: Settings,
  io: CliIo,
  reply: ReplyWaiter | undefined,
): Promise<boolean> {
  try {
    await client.send(to, text);
    // With --reply, the one JSON object comes once the reply is in.
    if (settings.json && !reply) writeLine(io.stdout, JSON.stringify({ to, delivered: true }));
    return true;
  } catch (error) {
    if (!isNegativeAnswer(error)) throw error;
    if (settings.json) writeLine(io.stdout, JSON.stringify({ to, delivered: false, status: error.status }));
    if (!settings.quiet) writeLine(io.stderr, `sup: ${error.message}`);
    return false;
  }
}

/**
 * Collects messages from one user from before the login on, since a bot may answer before
 * our own `send` gets its status back.
 */
class ReplyWaiter {
  readonly #from: string;
  readonly #received: SupMessage[] = [];
  #wake: (() => void) | undefined;
  waiting = false;

  constructor(from: string) {
    this.#from = from;
  }

  #closed = false;

  listen(client: SupClient): void {
    client.on('message', (message) => {
      if (message.from !== this.#from) return;
      this.#received.push(message);
      this.#wake?.();
    });
    // The session closes the client on --timeout or a signal; the wait must end with it.
    client.on('state', (state) => {
      if (state.type !== 'closed') return;
      this.#closed = true;
      this.#wake?.();
    });
  }

  async next(): Promise<SupMessage> {
    this.waiting = true;
    while (this.#received.length === 0) {
      if (this.#closed) {
        throw new CliError(
          ExitCode.Network,
          `the connection closed before "${this.#from}" replied (the message was delivered); check the server and ask again`,
        );
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
      });
    }
    this.waiting = false;
    return this.#received.shift()!;
  }
}

function printReply(message: SupMessage, to: string, settings: Settings, io: CliIo): void {
  if (settings.json) {
    const reply = { from: message.from, text: message.text, at: message.receivedAt.toISOString() };
    writeLine(io.stdout, JSON.stringify({ to, delivered: true, reply }));
  } else if (!settings.quiet) {
    writeLine(io.stdout, message.text);
  }
}

/**
 * Streams stdin line by line, each line a message, in order, as lines arrive. A line the
 * protocol cannot carry is reported with its number and skipped, and the stream goes on
 * (exit 2 at the end); so is a line whose recipient is offline (exit 1 at the end, when
 * no line was skipped). A shutdown signal ends the input like its end would.
 */
async function sendLines(settings: Settings, io: CliIo, username: string, to: string, fold: Fold, maxLineBytes: number): Promise<void> {
  let undelivered = 0;
  let skipped = 0;
  const printResult = (result: Record<string, unknown>): void => {
    if (settings.json) writeLine(io.stdout, JSON.stringify({ to, ...result }));
  };
  const plan = { username, reconnect: true, deadline: false, progress: false, workEndsOnShutdown: true };
  await withSession(settings, io, plan, async (client) => {
    // A fatal failure must end the stream at once, not when the next line happens to arrive.
    let fail: (error: unknown) => void = () => {};
    const failed = new Promise<never>((_, reject) => {
      fail = reject;
    });
    failed.catch(() => {});
    const report = (line: number, error: unknown): void => {
      if (!isNegativeAnswer(error)) {
        fail(error);
        return;
      }
      undelivered++;
      printResult({ line, delivered: false, status: error.status });
      if (!settings.quiet) writeLine(io.stderr, `sup: line ${line} not delivered: ${error.message}`);
    };
    // Reading stops on shutdown and on any way out of here, so an open stdin cannot keep the process alive.
    const stopReading = new AbortController();
    const onShutdown = (): void => stopReading.abort();
    io.shutdown.addEventListener('abort', onShutdown, { once: true });
    if (io.shutdown.aborted) onShutdown();
    const inFlight: Array<Promise<void>> = [];
    const lines = readInputLines(io.stdin, stopReading.signal, maxLineBytes);
    try {
      for (;;) {
        const next = await Promise.race([lines.next(), failed]);
        if (next.done) break;
        const { number: line } = next.value;
        const text = next.value.text === undefined ? undefined : fold(next.value.text);
        const problem =
          text === undefined
            ? `the line is over ${maxLineBytes} bytes, which makes a frame over the ${DEFAULT_MAX_FRAME_BYTES}-byte limit`
            : messageProblem(to, text);
        if (problem !== undefined || text === undefined) {
          skipped++;
          printResult({ line, delivered: false, skipped: problem });
          writeLine(io.stderr, `sup: line ${line} skipped: ${problem}${text === undefined ? '' : asciiHint(text)}`);
          continue;
        }
        inFlight.push(
          client.send(to, text).then(
            () => printResult({ line, delivered: true }),
            (error: unknown) => report(line, error),
          ),
        );
        if (inFlight.length >= MAX_LINES_IN_FLIGHT) await Promise.race([inFlight.shift(), failed]);
      }
      await Promise.race([Promise.all(inFlight), failed]);
    } finally {
      io.shutdown.removeEventListener('abort', onShutdown);
      stopReading.abort();
      void lines.return(undefined);
    }
  });
  // Each skipped or undelivered line was reported as it happened; the exit code sums it up.
  if (skipped > 0) throw new CliError(ExitCode.Usage, '');
  if (undelivered > 0) throw new CliError(ExitCode.Negative, '');
}
