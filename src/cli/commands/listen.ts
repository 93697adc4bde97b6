import type { Command } from 'commander';
import type { SupClient, SupClientState, SupMessage } from '../../client/sup-client.js';
import { addCommonOptions } from '../common-options.js';
import { formatHostPort, writeLine, type CliIo } from '../io.js';
import { integerOption } from '../option-parsers.js';
import { SessionInterruptedError, withSession } from '../session.js';
import { loginName, requireUsername, resolveSettings, type CommonFlags, type Settings } from '../settings.js';

interface ListenFlags extends CommonFlags {
  from?: string;
  count?: number;
}

const LISTEN_HELP = `
--timeout bounds the whole operation only with --count (login and every message: exit 3 if
fewer came in time); without --count listening lasts until SIGINT or SIGTERM (exit 0) and
--timeout bounds the first login only.

Wait for one answer in a script:
  sup listen --from deploybot --count 1 --timeout 60000`;

export function registerListenCommand(program: Command, io: CliIo): void {
  addCommonOptions(
    program
      .command('listen')
      .description('stay logged in, reconnecting, and print each message received as "<from> <message>"')
      .option('--from <user>', 'print only the messages from this user')
      .option('--count <n>', 'exit 0 after this many messages were printed', integerOption(1)),
    'print the messages only: nothing else on stderr but errors',
  )
    .addHelpText('after', LISTEN_HELP)
    .action(async (flags: ListenFlags) => {
      if (flags.from !== undefined) requireUsername(flags.from, '--from');
      const settings = await resolveSettings(flags, io);
      const username = loginName(settings, io.env);
      const wanted = new WantedMessages(flags, settings, io);
      const plan = {
        username,
        reconnect: true,
        // Without --count there is no end to bound: --timeout then bounds the first login only.
        deadline: flags.count !== undefined,
        progress: !settings.quiet && !settings.json,
        workEndsOnShutdown: true,
        prepare: (client: SupClient) => {
          client.on('message', (message) => wanted.offer(message));
          if (!settings.quiet) reportReconnects(client, settings, io);
        },
        timeoutReason: () => wanted.shortfall(),
      };
      try {
        await withSession(settings, io, plan, (client) => {
          wanted.loggedIn = true;
          return untilDone(client, io.shutdown, wanted.done);
        });
      } catch (error) {
        // Stopped before the login was done: stopping is what was asked, and there is no one to tell.
        if (error instanceof SessionInterruptedError) return;
        throw error;
      }
    });
}

/** Prints the messages --from lets through, until --count of them were printed. */
class WantedMessages {
  loggedIn = false;
  readonly #from: string | undefined;
  readonly #count: number | undefined;
  readonly #settings: Settings;
  readonly #io: CliIo;
  readonly #enough = new AbortController();
  #printed = 0;

  constructor(flags: ListenFlags, settings: Settings, io: CliIo) {
    this.#from = flags.from;
    this.#count = flags.count;
    this.#settings = settings;
    this.#io = io;
  }

  /** Aborted once --count messages were printed. */
  get done(): AbortSignal {
    return this.#enough.signal;
  }

  offer(message: SupMessage): void {
    if (this.#from !== undefined && message.from !== this.#from) return;
    // Messages that arrive while quitting after the last one are not part of the answer.
    if (this.#enough.signal.aborted) return;
    const line = this.#settings.json
      ? JSON.stringify({ from: message.from, text: message.text, at: message.receivedAt.toISOString() })
      : `${message.from} ${message.text}`;
    writeLine(this.#io.stdout, line);
    this.#printed++;
    if (this.#printed === this.#count) this.#enough.abort();
  }

  /** Why --timeout ran out, once logged in: too few messages came. */
  shortfall(): string | undefined {
    if (!this.loggedIn || this.#count === undefined) return undefined;
    const from = this.#from === undefined ? '' : ` from "${this.#from}"`;
    const got = this.#printed === 0 ? 'none came' : `only ${this.#printed} came`;
    return `waited ${this.#settings.timeoutMs} ms for ${this.#count} message${this.#count === 1 ? '' : 's'}${from}: ${got}; raise --timeout to wait longer`;
  }
}

/** One line on stderr when the connection is lost and one when it is back: a silent gap looks like a quiet chat. */
function reportReconnects(client: SupClient, settings: Settings, io: CliIo): void {
  const where = formatHostPort(settings.host, settings.port);
  let wasOnline = false;
  let lost = false;
  client.on('state', (state) => {
    if (state.type === 'online') {
      if (lost) writeLine(io.stderr, `sup: reconnected to ${where}`);
      wasOnline = true;
      lost = false;
    } else if (wasOnline && !lost && (state.type === 'connecting' || state.type === 'backoff')) {
      lost = true;
      // The client's message names the server and the cause ("lost the connection to ... (closed by the server)").
      writeLine(io.stderr, `sup: ${state.lastError?.message ?? `lost the connection to ${where}`}; reconnecting until it is back`);
    }
  });
}

/** Resolves on shutdown or once `done` fires; rejects if the client gives up for good first (a refused re-login). */
function untilDone(client: SupClient, shutdown: AbortSignal, done: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const stopWaiting = (): void => {
      shutdown.removeEventListener('abort', finish);
      done.removeEventListener('abort', finish);
      client.off('state', onState);
    };
    const finish = (): void => {
      stopWaiting();
      resolve();
    };
    const onState = (state: SupClientState): void => {
      if (state.type !== 'closed') return;
      stopWaiting();
      reject(state.lastError ?? new Error('the client closed while listening'));
    };
    if (shutdown.aborted || done.aborted) {
      resolve();
      return;
    }
    shutdown.addEventListener('abort', finish, { once: true });
    done.addEventListener('abort', finish, { once: true });
    client.on('state', onState);
  });
}
