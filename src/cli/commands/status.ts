import type { Command } from 'commander';
import { CliError } from '../cli-error.js';
import { addCommonOptions } from '../common-options.js';
import { ExitCode } from '../exit-codes.js';
import { writeLine, type CliIo } from '../io.js';
import { ephemeralName, withSession } from '../session.js';
import { requireUsername, resolveSettings, type CommonFlags } from '../settings.js';
import { withoutClientCertificate } from '../tls-options.js';

export function registerStatusCommand(program: Command, io: CliIo): void {
  addCommonOptions(
    program
      .command('status')
      .description("print whether a user is online; exit 0 when online, 1 when offline")
      .argument('<user>', 'the user to ask about'),
  ).action(async (user: string, flags: CommonFlags) => {
    requireUsername(user, 'the <user> argument');
    const settings = await resolveSettings(flags, io);
    const online = await withSession(
      flags.user === undefined ? withoutClientCertificate(settings) : settings,
      io,
      {
        username: flags.user ?? ephemeralName(),
        reconnect: false,
        deadline: true,
        progress: !settings.quiet && !settings.json,
        workEndsOnShutdown: false,
      },
      (client) => client.isOnline(user),
    );
    if (settings.json) writeLine(io.stdout, JSON.stringify({ user, online }));
    else if (!settings.quiet) writeLine(io.stdout, online ? 'online' : 'offline');
    if (!online) throw new CliError(ExitCode.Negative, '');
  });
}
