import { createLineLogger } from '../../bot/logger.js';
import type { ClusterLink } from '../../server/cluster-link.js';
import { ServerOptionError, SupServerError } from '../../server/errors.js';
import type { ServerLogger } from '../../server/logger.js';
import type { SupServerOptions } from '../../server/options.js';
import { SupServer } from '../../server/sup-server.js';
import { CliError } from '../cli-error.js';
import type { SupConfig } from '../config.js';
import { ExitCode } from '../exit-codes.js';
import { formatHostPort, whenAborted, writeLine, type CliIo } from '../io.js';
import { serverOptionsFrom, type StandaloneSection } from '../server-options.js';
import { loadConfigFor } from '../settings.js';
import { SERVER_WORKER_ENV, type ServerFlags } from './server.js';

export async function runServerCommand(
  { config: configFlag, logFormat, cluster: clusterFlag, clusterName, workers, ...flags }: ServerFlags,
  io: CliIo,
): Promise<void> {
  const { config, file } = await loadConfigFor(configFlag, io);
  const { cluster: clusterConfig, clusterName: clusterNameConfig, workers: workersConfig } = config.server ?? {};
  const serverConfig = standaloneOptions(config.server);
  const urls = clusterFlag ?? nonEmpty(io.env.SUP_CLUSTER) ?? [clusterConfig ?? []].flat().join(',');
  const workerCount = workers ?? workersConfig ?? 1;
  if (workerCount > 1 && urls === '') {
    throw new CliError(ExitCode.Usage, '--workers needs cluster mode, so the workers share one set of names: give --cluster URLS (or SUP_CLUSTER)');
  }
  // Told by our own env var rather than node:cluster, which a server on its own should not load.
  const isWorker = io.env[SERVER_WORKER_ENV] === '1';
  if (workerCount > 1 && !isWorker) {
    // Loaded on demand: only a multi-process server needs it.
    const { runWorkers } = await import('./server-workers.js');
    await runWorkers(workerCount, io);
    return;
  }
  const logger = createLineLogger((line) => writeLine(io.stderr, line), logFormat);
  const link = urls === '' ? undefined : await joinCluster(urls, clusterName ?? clusterNameConfig, logger);
  const server = await startAnnouncedServer({ ...serverOptionsFrom(flags, serverConfig, file, io.cwd), logger, cluster: link }, io, !isWorker);
  await whenAborted(io.shutdown);
  try {
    await stopAnnouncedServer(server);
  } finally {
    await link?.close();
  }
}

/** Joins a cluster; the NATS client is loaded only here, never for a server on its own. */
async function joinCluster(urls: string, name: string | undefined, logger: ServerLogger): Promise<ClusterLink & { close(): Promise<void> }> {
  const { joinCluster } = await import('../../server/cluster/nats-cluster.js');
  const servers = urls.split(',').map((url) => url.trim()).filter((url) => url !== '');
  try {
    return await joinCluster({ servers, name, logger });
  } catch (error) {
    throw serverFailure(error, ExitCode.Network);
  }
}

/** The config's `server` section less its cluster keys: what a server on its own (an embedded one too) takes. */
export function standaloneOptions(section: SupConfig['server'] = {}): StandaloneSection {
  const { cluster: _cluster, clusterName: _clusterName, workers: _workers, ...options } = section;
  return options;
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
 * Starts a server and prints the one line scripts wait for (unless `announce` is false: a
 * worker's primary prints it). Bad options are a usage error (exit 2); an address that
 * cannot be bound is a network error (exit 3).
 */
export async function startAnnouncedServer(options: SupServerOptions, io: CliIo, announce = true): Promise<SupServer> {
  let server: SupServer;
  try {
    server = new SupServer(options);
  } catch (error) {
    throw serverFailure(error, ExitCode.Usage);
  }
  const address = await server.listen().catch((error: unknown) => {
    throw serverFailure(error, ExitCode.Network);
  });
  if (announce) writeLine(io.stderr, `sup server listening on ${formatHostPort(address.address, address.port)}`);
  return server;
}

/** A server error as the CLI reports it: a bad option is always a usage error. */
function serverFailure(error: unknown, exitCode: ExitCode): unknown {
  if (!(error instanceof SupServerError)) return error;
  return new CliError(error instanceof ServerOptionError ? ExitCode.Usage : exitCode, error.message, { cause: error });
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}
