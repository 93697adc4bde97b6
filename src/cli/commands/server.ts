import { Option, type Command } from 'commander';
import type { CliIo } from '../io.js';
import { integerOption, parsePort } from '../option-parsers.js';
import { metricsOption, namesOption, type ServerSecurityFlags } from '../server-options.js';

/** Set in the environment of each `--workers` process, so it serves instead of forking again. */
export const SERVER_WORKER_ENV = 'SUP_SERVER_WORKER';

export interface ServerFlags extends ServerSecurityFlags {
  config?: string;
  host?: string;
  port?: number;
  maxFrameBytes?: number;
  maxConnections?: number;
  loginTimeoutMs?: number;
  idleTimeoutMs?: number;
  maxBufferedBytes?: number;
  shutdownTimeoutMs?: number;
  cluster?: string;
  clusterName?: string;
  workers?: number;
  logFormat: 'text' | 'json';
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
    .option('--max-connections-per-ip <n>', 'connections accepted from one address, 0 for no limit (default: 100)', integerOption(0))
    .option('--tls-cert <file>', 'serve TLS only, with this PEM certificate (needs --tls-key)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .option('--tls-client-ca <file>', "verify client certificates against this CA; a verified certificate's CN is the only name it may use")
    .option('--require-client-cert', 'refuse clients without a verified certificate (needs --tls-client-ca)')
    .option('--reserve <names>', 'comma-separated names only their own certificate may take (needs --tls-client-ca)', namesOption)
    .option('--metrics <host:port>', 'serve Prometheus /metrics and /healthz over HTTP here (default: off)', metricsOption)
    .option('--idle-timeout-ms <n>', 'close logged-in connections silent this long, 0 for never (default: 300000)', integerOption(0, 2 ** 31 - 1))
    .option('--max-buffered-bytes <n>', 'unsent output across all connections before the largest is cut (default: 268435456)', integerOption(1024))
    .option('--shutdown-timeout-ms <n>', 'on SIGINT/SIGTERM, time to write out queued messages (default: 5000)', integerOption(0, 2 ** 31 - 1))
    .option('--cluster <urls>', 'join a cluster through these NATS URLs, comma-separated (env SUP_CLUSTER)')
    .option('--cluster-name <name>', 'which Sup network on that NATS to join (default: sup)')
    .option('--workers <n>', 'cluster mode: run N node processes sharing the port (default: 1)', integerOption(1))
    .addOption(new Option('--log-format <format>', 'log lines on stderr as text or JSON').choices(['text', 'json']).default('text'))
    .option('-c, --config <file>', 'config file whose "server" section gives defaults (env SUP_CONFIG)')
    .action(async (flags: ServerFlags) => {
      // Loaded on demand: the one-shot commands never pay for the server's code.
      const { runServerCommand } = await import('./server-run.js');
      await runServerCommand(flags, io);
    });
}
