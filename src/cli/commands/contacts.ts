import type { Command } from 'commander';
import { addCommonOptions } from '../common-options.js';
import { writeLine, type CliIo } from '../io.js';
import { ephemeralName, withSession } from '../session.js';
import { resolveSettings, type CommonFlags } from '../settings.js';
import { withoutClientCertificate } from '../tls-options.js';

export function registerContactsCommand(program: Command, io: CliIo): void {
  addCommonOptions(program.command('contacts').description('list online users, one per line, sorted')).action(
    async (flags: CommonFlags) => {
      const settings = await resolveSettings(flags, io);
      const username = flags.user ?? ephemeralName();
      const contacts = await withSession(
        flags.user === undefined ? withoutClientCertificate(settings) : settings,
        io,
        { username, reconnect: false, deadline: true, progress: !settings.quiet && !settings.json, workEndsOnShutdown: false },
        (client) => client.contacts(),
      );
      // The server lists the asker too; a listing of others is what the user asked for. Sorted
      // here as well (byte order), since only this project's server promises a sorted list.
      const others = contacts.filter((name) => name !== username).sort();
      if (settings.json) writeLine(io.stdout, JSON.stringify(others));
      else if (!settings.quiet) for (const name of others) writeLine(io.stdout, name);
    },
  );
}
