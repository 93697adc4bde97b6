import { createLineLogger } from '../../bot/logger.js';
import { ServerOptionError, SupServerError } from '../../server/errors.js';
import type { SupServerOptions } from '../../server/options.js';
import { SupServer } from '../../server/sup-server.js';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { formatHostPort, whenAborted, writeLine, type CliIo } from '../io.js';
import { serverOptionsFrom } from '../server-options.js';
import { loadConfigFor } from '../settings.js';
import type { ServerFlags } from './server.js';

export async function runServerCommand({ config: configFlag, logFormat, ...flags }: ServerFlags, io: CliIo): Promise<void> {
  const { config, file } = await loadConfigFor(configFlag, io);
  const logger = createLineLogger((line) => writeLine(io.stderr, line), logFormat);
  const server = await startAnnouncedServer({ ...serverOptionsFrom(flags, config.server, file, io.cwd), logger }, io);
  await whenAborted(io.shutdown);
  await stopAnnouncedServer(server);
}

/**
 * The graceful stop on SIGINT/SIGTERM: queued messages are written out until the server's
 * shutdown deadline (the server logs what was flushed and dropped). Acknowledged messages
 * cut off by the deadline make it exit 7.
 */
export async function stopAnnouncedServer(server: SupServer): Promise<void> {
  const { droppedMessages } = await server.shutdown();
  if (droppedMessages > 0) {
    throw new CliError(
      ExitCode.DeliveryLost,
      `the shutdown deadline (${server.options.shutdownTimeoutMs} ms) cut off ${droppedMessages} acknowledged message(s) ` +
        'whose recipients were not reading fast enough; give slow recipients more time with --shutdown-timeout-ms',
    );
  }
}

/**
 * Starts a server and prints the one line scripts wait for. Bad options (TLS files
 * included) are a usage error (exit 2); an address that cannot be bound is a network error (exit 3).
 */
export async function startAnnouncedServer(options: SupServerOptions, io: CliIo): Promise<SupServer> {
  let server: SupServer;
  try {
    server = new SupServer(options);
  } catch (error) {
    if (error instanceof SupServerError) throw new CliError(ExitCode.Usage, error.message, { cause: error });
    throw error;
  }
  const address = await server.listen().catch((error: unknown) => {
    if (error instanceof SupServerError) {
      throw new CliError(error instanceof ServerOptionError ? ExitCode.Usage : ExitCode.Network, error.message, { cause: error });
    }
    throw error;
  });
  writeLine(io.stderr, `sup server listening on ${formatHostPort(address.address, address.port)}`);
  return server;
}
