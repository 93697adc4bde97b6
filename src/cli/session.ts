import { randomBytes } from 'node:crypto';
import { SupTimeoutError, type SupError } from '../client/errors.js';
import type { SupClientOptions } from '../client/options.js';
import { SupClient, type SupClientState } from '../client/sup-client.js';
import { CliError } from './cli-error.js';
import { cliFailure } from './client-failure.js';
import { ExitCode } from './exit-codes.js';
import { formatHostPort, type CliIo } from './io.js';
import type { Settings } from './settings.js';
import { startProgress, type Progress } from './spinner.js';

export interface SessionPlan {
  username: string;
  /** Keep reconnecting after the first login (listen, streamed sends). */
  reconnect: boolean;
  /** Bound the whole session by --timeout; otherwise only the first login is. */
  deadline: boolean;
  /** Show a spinner while connecting, when a person is watching. */
  progress: boolean;
  /**
   * The work itself ends cleanly on `io.shutdown` (listen, streamed sends). Otherwise a
   * shutdown interrupts it; before the work starts, a shutdown always stops the connecting.
   */
  workEndsOnShutdown: boolean;
  /** Called before connecting: a `recv` can come in the same read as the login answer. */
  prepare?: (client: SupClient) => void;
  /** What the session was waiting for when --timeout ran out, when the work knows better than "the server". */
  timeoutReason?: () => string | undefined;
}

/** SIGINT/SIGTERM arrived before the session was done; nothing more is sent. */
export class SessionInterruptedError extends CliError {
  override name = 'SessionInterruptedError';
}

/** `sup-` and random hex: a name for one-off queries that never collides with a real user. */
export function ephemeralName(): string {
  return `sup-${randomBytes(4).toString('hex')}`;
}

/**
 * Connects, logs in, runs `work`, then quits and waits for its status. Any failure, the
 * --timeout running out and a shutdown signal become a CliError with the exit code scripts
 * branch on.
 */
export async function withSession<T>(
  settings: Settings,
  io: CliIo,
  plan: SessionPlan,
  work: (client: SupClient) => Promise<T>,
): Promise<T> {
  const { host, port, timeoutMs } = settings;
  const where = formatHostPort(host, port);
  const options: SupClientOptions = {
    host,
    port,
    tls: settings.tls,
    username: plan.username,
    reconnect: plan.reconnect,
    connectTimeoutMs: timeoutMs,
    requestTimeoutMs: timeoutMs,
    offlineQueueTimeoutMs: timeoutMs,
  };
  let client: SupClient;
  try {
    client = new SupClient(options);
  } catch (error) {
    // An option the client refuses is the user's to fix, not a crash.
    throw cliFailure(error);
  }
  plan.prepare?.(client);
  let stopped: 'timeout' | 'shutdown' | 'refused' | undefined;
  let retryError: SupError | undefined;
  let working = false;
  const stop = (why: NonNullable<typeof stopped>): void => {
    if (stopped !== undefined) return;
    stopped = why;
    // While still retrying, why the last attempt failed says more than "timed out".
    const state = client.state;
    if (state.type === 'connecting' || state.type === 'backoff') retryError = state.lastError;
    client.close();
  };
  const timer = setTimeout(() => stop('timeout'), timeoutMs);
  const onShutdown = (): void => {
    if (!working || !plan.workEndsOnShutdown) stop('shutdown');
  };
  io.shutdown.addEventListener('abort', onShutdown);
  // A name taken at the first login is someone else's: retrying until --timeout only delays the answer.
  const onState = (state: SupClientState): void => {
    if (!working && state.type === 'backoff' && cliFailure(state.lastError).exitCode === ExitCode.LoginRefused) stop('refused');
  };
  client.on('state', onState);
  let progress: Progress | undefined;
  try {
    if (io.shutdown.aborted) onShutdown();
    progress = await startProgress(io, `connecting to ${where}`, plan.progress);
    await client.connect();
    progress.stop();
    if (!plan.deadline) clearTimeout(timer);
    working = true;
    const result = await work(client);
    await client.quit();
    return result;
  } catch (error) {
    if (stopped === 'refused' && retryError !== undefined) throw cliFailure(retryError);
    if (stopped === 'shutdown') {
      throw new SessionInterruptedError(ExitCode.Interrupted, `interrupted before ${where} answered`, { cause: error });
    }
    if (stopped === 'timeout' && retryError !== undefined && !(retryError instanceof SupTimeoutError)) {
      const failure = cliFailure(retryError);
      throw new CliError(
        failure.exitCode,
        `${retryError.message} (still failing after ${timeoutMs} ms of retrying; raise --timeout to keep trying longer)`,
        { cause: retryError },
      );
    }
    const reason = stopped === 'timeout' ? plan.timeoutReason?.() : undefined;
    if (reason !== undefined) throw new CliError(ExitCode.Network, reason, { cause: error });
    if (stopped === 'timeout' || error instanceof SupTimeoutError) {
      throw new CliError(
        ExitCode.Network,
        `timed out after ${timeoutMs} ms talking to ${where}: is the server answering? raise --timeout to wait longer`,
        { cause: error },
      );
    }
    throw cliFailure(error);
  } finally {
    io.shutdown.removeEventListener('abort', onShutdown);
    client.off('state', onState);
    progress?.stop();
    clearTimeout(timer);
    client.close();
  }
}
