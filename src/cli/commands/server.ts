import type { Command } from 'commander';
import { SupServer } from '../../server/sup-server.js';
import { SupServerError } from '../../server/errors.js';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { whenAborted, writeLine, type CliIo } from '../io.js';
import { integerOption, parsePort } from '../option-parsers.js';

interface ServerFlags {
  host?: string;
  port?: number;
  maxFrameBytes?: number;
  maxConnections?: number;
  loginTimeoutMs?: number;
}

export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

export function registerServerCommand(program: Command, io: CliIo): void {
  program
    .command('server')
    .description('run the bundled Sup server until SIGINT or SIGTERM')
    .option('-H, --host <host>', 'address to bind (default: 127.0.0.1)')
    .option('-p, --port <port>', 'port to listen on, 0 for any free port (default: 7877)', parsePort)
    .option('--max-frame-bytes <n>', 'longest client frame accepted (default: 16384)', integerOption(64))
    .option('--max-connections <n>', 'connections accepted at once (default: 10000)', integerOption(1))
    .option('--login-timeout-ms <n>', 'close connections not logged in by then (default: 10000)', integerOption(1))
    .action(async (flags: ServerFlags) => {
      let server: SupServer;
      try {
        server = new SupServer(flags);
      } catch (error) {
        if (error instanceof SupServerError) throw new CliError(ExitCode.Usage, error.message, { cause: error });
        throw error;
      }
      const address = await server.listen().catch((error: unknown) => {
        if (error instanceof SupServerError) throw new CliError(ExitCode.Network, error.message, { cause: error });
        throw error;
      });
      writeLine(io.stderr, `sup server listening on ${formatHostPort(address.address, address.port)}`);
      await whenAborted(io.shutdown);
      await server.close();
    });
}
