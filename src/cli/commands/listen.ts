import type { Command } from 'commander';
import type { SupClient, SupClientState } from '../../client/sup-client.js';
import { addCommonOptions } from '../common-options.js';
import { writeLine, type CliIo } from '../io.js';
import { SessionInterruptedError, withSession } from '../session.js';
import { loginName, resolveSettings, type CommonFlags } from '../settings.js';

export function registerListenCommand(program: Command, io: CliIo): void {
  addCommonOptions(
    program
      .command('listen')
      .description('stay logged in, reconnecting, and print each message received as "<from> <message>"'),
    'print the messages only: nothing else on stderr but errors',
  ).action(async (flags: CommonFlags) => {
    const settings = await resolveSettings(flags, io);
    const username = loginName(settings, io.env);
    // --timeout bounds the first login only: after that, listening lasts until a signal.
    const plan = {
      username,
      reconnect: true,
      deadline: false,
      progress: !settings.quiet && !settings.json,
      workEndsOnShutdown: true,
      prepare: (client: SupClient) => {
        client.on('message', (message) => {
          const line = settings.json
            ? JSON.stringify({ from: message.from, text: message.text, at: message.receivedAt.toISOString() })
            : `${message.from} ${message.text}`;
          writeLine(io.stdout, line);
        });
      },
    };
    try {
      await withSession(settings, io, plan, (client) => untilShutdown(client, io.shutdown));
    } catch (error) {
      // Stopped before the login was done: stopping is what was asked, and there is no one to tell.
      if (error instanceof SessionInterruptedError) return;
      throw error;
    }
  });
}

/** Resolves on shutdown; rejects if the client gives up for good first (a refused re-login). */
function untilShutdown(client: SupClient, shutdown: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (): void => {
      shutdown.removeEventListener('abort', done);
      client.off('state', onState);
      resolve();
    };
    const onState = (state: SupClientState): void => {
      if (state.type !== 'closed') return;
      shutdown.removeEventListener('abort', done);
      client.off('state', onState);
      reject(state.lastError ?? new Error('the client closed while listening'));
    };
    if (shutdown.aborted) {
      resolve();
      return;
    }
    shutdown.addEventListener('abort', done, { once: true });
    client.on('state', onState);
  });
}
