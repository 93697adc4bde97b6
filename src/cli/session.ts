import { randomBytes } from 'node:crypto';
import type { SupClientOptions } from '../client/options.js';
import { SupClient } from '../client/sup-client.js';
import { CliError } from './cli-error.js';
import { cliFailure } from './client-failure.js';
import { ExitCode } from './exit-codes.js';
import type { CliIo } from './io.js';
import type { Settings } from './settings.js';
import { startProgress } from './spinner.js';

export interface SessionPlan {
  username: string;
  /** Keep reconnecting after the first login (listen, streamed sends). */
  reconnect: boolean;
  /** Bound the whole session by --timeout; otherwise only the first login is. */
  deadline: boolean;
  /** Show a spinner while connecting, when a person is watching. */
  progress: boolean;
}

/** `sup-` and random hex: a name for one-off queries that never collides with a real user. */
export function ephemeralName(): string {
  return `sup-${randomBytes(4).toString('hex')}`;
}

/**
 * Connects, logs in, runs `work`, then quits and waits for its status. Any failure, and
 * the --timeout running out, becomes a CliError with the exit code scripts branch on.
 */
export async function withSession<T>(
  settings: Settings,
  io: CliIo,
  plan: SessionPlan,
  work: (client: SupClient) => Promise<T>,
): Promise<T> {
  const { host, port, timeoutMs } = settings;
  const options: SupClientOptions = {
    host,
    port,
    username: plan.username,
    reconnect: plan.reconnect,
    connectTimeoutMs: timeoutMs,
    requestTimeoutMs: timeoutMs,
    offlineQueueTimeoutMs: timeoutMs,
  };
  const client = new SupClient(options);
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    client.close();
  }, timeoutMs);
  const progress = await startProgress(io, `connecting to ${host}:${port}`, plan.progress);
  try {
    await client.connect();
    progress.stop();
    if (!plan.deadline) clearTimeout(timer);
    const result = await work(client);
    await client.quit();
    return result;
  } catch (error) {
    if (timedOut) {
      throw new CliError(
        ExitCode.Network,
        `timed out after ${timeoutMs} ms talking to ${host}:${port}: is the server answering? raise --timeout to wait longer`,
        { cause: error },
      );
    }
    throw cliFailure(error);
  } finally {
    progress.stop();
    clearTimeout(timer);
    client.close();
  }
}
