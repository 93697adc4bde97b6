import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { ServerLogger } from '../../src/server/logger.js';
import type { ServerInternalOptions } from '../../src/server/options.js';
import { SupServer } from '../../src/server/sup-server.js';
import { RawPeer, type Cleanup } from './raw-peer.js';

/**
 * A real server on 127.0.0.1, any free port, closed when the test ends. With SUP_TEST_CLUSTER
 * (a NATS URL) set, it is two cluster nodes behind one port instead, users spread across them.
 */
export async function startServer(
  cleanup: Cleanup,
  options: ServerInternalOptions = {},
): Promise<{ server: SupServer; port: number }> {
  const nats = process.env.SUP_TEST_CLUSTER;
  if (nats !== undefined && nats !== '') {
    const { startSpreadCluster } = await import('./cluster.js');
    return startSpreadCluster(cleanup, nats, options);
  }
  const server = new SupServer({ port: 0, ...options });
  cleanup.after(() => server.close());
  const { port } = await server.listen();
  return { server, port };
}

/**
 * Right after a connection closed, keeps connecting until the server no longer answers
 * `201 Server Full` (it sees the close on its own schedule), then logs in as `name`;
 * resolves with the login's answer.
 */
export async function loginOnceAdmitted(port: number, cleanup: Cleanup, name: string): Promise<string> {
  let answer = 'status 201 Server Full';
  for (let attempt = 0; attempt < 200 && answer === 'status 201 Server Full'; attempt++) {
    const next = await RawPeer.connect(port, cleanup);
    answer = (await next.request(`login ${name}`))[0]!;
    if (answer === 'status 201 Server Full') await next.closed;
  }
  return answer;
}

/** A raw peer already logged in as `name`. */
export async function loggedIn(port: number, cleanup: Cleanup, name: string): Promise<RawPeer> {
  const peer = await RawPeer.connect(port, cleanup);
  assert.deepEqual(await peer.request(`login ${name}`), ['status 000 OK'], `login ${name}`);
  return peer;
}

/** A port nothing listens on: bound once, then released. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface LoggedEvent {
  level: 'info' | 'warn' | 'error';
  event: string;
  fields: Record<string, unknown>;
}

/** A server logger that keeps every event, for assertions. */
export function recordingLogger(): { logger: ServerLogger; events: LoggedEvent[] } {
  const events: LoggedEvent[] = [];
  const record =
    (level: LoggedEvent['level']) =>
    (event: string, fields: Record<string, unknown> = {}): void => {
      events.push({ level, event, fields });
    };
  return { logger: { info: record('info'), warn: record('warn'), error: record('error') }, events };
}
