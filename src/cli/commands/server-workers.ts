import cluster, { type Worker } from 'node:cluster';
import type { AddressInfo } from 'node:net';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { formatHostPort, whenAborted, writeLine, type CliIo } from '../io.js';
import { SERVER_WORKER_ENV } from './server.js';

/**
 * `sup server --workers N`: N cluster nodes, each a process of its own, sharing the port
 * (node:cluster). Prints the ready line once every worker listens; a worker that dies later
 * is replaced (the cluster frees its names meanwhile); SIGINT/SIGTERM stops them all.
 */
export async function runWorkers(count: number, io: CliIo): Promise<void> {
  // Each worker takes its own connections: the kernel spreads them, rather than this process handing each over.
  cluster.schedulingPolicy = cluster.SCHED_NONE;
  const workers = new Set<Worker>();
  let ready = false;
  let stopping = false;
  let failStart: (error: Error) => void = () => {};
  const started = new Promise<AddressInfo>((resolve, reject) => {
    failStart = reject;
    let listening = 0;
    cluster.on('listening', (_worker, address) => {
      if (++listening === count) resolve({ address: address.address ?? '127.0.0.1', port: address.port, family: '' });
    });
  });
  const fork = (): void => {
    const worker = cluster.fork({ [SERVER_WORKER_ENV]: '1' });
    workers.add(worker);
    worker.on('exit', (code, signal) => {
      workers.delete(worker);
      if (stopping) return;
      if (!ready) {
        failStart(new CliError(exitCodeOf(code), `a worker exited before the server was ready (${signal ?? `exit ${code}`}); see its message above`));
        return;
      }
      writeLine(io.stderr, `sup server: worker ${worker.process.pid} exited (${signal ?? `exit ${code}`}); starting another`);
      fork();
    });
  };
  for (let i = 0; i < count; i++) fork();
  const stopAll = async (): Promise<void> => {
    stopping = true;
    const exits = [...workers].map((worker) => new Promise((resolve) => worker.once('exit', resolve)));
    for (const worker of workers) worker.process.kill('SIGTERM');
    await Promise.all(exits);
  };
  let address: AddressInfo;
  try {
    address = await Promise.race([started, whenAborted(io.shutdown).then(() => undefined)]) as AddressInfo;
  } catch (error) {
    await stopAll();
    throw error;
  }
  if (address !== undefined) {
    ready = true;
    writeLine(io.stderr, `sup server listening on ${formatHostPort(address.address, address.port)}`);
    await whenAborted(io.shutdown);
  }
  await stopAll();
}

function exitCodeOf(code: number | null): ExitCode {
  return code === ExitCode.Usage || code === ExitCode.Network ? code : ExitCode.Internal;
}
