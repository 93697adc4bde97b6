import type { Command } from 'commander';
import { addCommonOptions } from '../common-options.js';
import { whenAborted, writeLine, type CliIo } from '../io.js';
import { withSession } from '../session.js';
import { loginName, resolveSettings, type CommonFlags } from '../settings.js';

export function registerListenCommand(program: Command, io: CliIo): void {
  addCommonOptions(
    program
      .command('listen')
      .description('stay logged in, reconnecting, and print each message received as "<from> <message>"'),
  ).action(async (flags: CommonFlags) => {
    const settings = await resolveSettings(flags, io);
    const username = loginName(settings, io.env);
    // --timeout bounds the first login only: after that, listening lasts until a signal.
    const plan = { username, reconnect: true, deadline: false, progress: !settings.quiet && !settings.json };
    await withSession(settings, io, plan, async (client) => {
      client.on('message', (message) => {
        const line = settings.json
          ? JSON.stringify({ from: message.from, text: message.text, at: message.receivedAt.toISOString() })
          : `${message.from} ${message.text}`;
        writeLine(io.stdout, line);
      });
      await whenAborted(io.shutdown);
    });
  });
}
