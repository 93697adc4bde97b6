import type { Command } from 'commander';
import { SupServer } from '../../server/sup-server.js';
import { SupServerError } from '../../server/errors.js';
import { CliError } from '../cli-error.js';
import { loadConfigFor } from '../settings.js';
import { ExitCode } from '../exit-codes.js';
import { whenAborted, writeLine, type CliIo } from '../io.js';
import { integerOption, parsePort } from '../option-parsers.js';

interface ServerFlags {
  config?: string;
  host?: string;
  port?: number;
  maxFrameBytes?: number;
  maxConnections?: number;
  loginTimeoutMs?: number;
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
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
    .option('-c, --config <file>', 'config file whose "server" section gives defaults (env SUP_CONFIG)')
    .action(async ({ config: configFlag, ...flags }: ServerFlags) => {
      const { config } = await loadConfigFor(configFlag, io);
      let server: SupServer;
      try {
        server = new SupServer({ ...config.server, ...definedOnly(flags) });
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
