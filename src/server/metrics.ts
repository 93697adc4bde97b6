import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { collectDefaultMetrics, Counter, Gauge, Registry } from 'prom-client';
import { Status } from '../protocol/status.js';
import type { SupServerCounters } from './counters.js';
import { ServerListenError } from './errors.js';

/** What the endpoint reads from the server, at scrape time only. */
export interface MetricsSource {
  readonly stats: { connections: number; online: number };
  readonly counters: SupServerCounters;
  /** True while the server accepts connections: `/healthz` answers 200. */
  readonly accepting: boolean;
}

export interface MetricsEndpoint {
  readonly address: AddressInfo;
  close(): Promise<void>;
}

// Listed at 0 before they first happen, so a dashboard's query has a series from the start.
const LOGIN_REFUSALS = [Status.UsernameTaken, Status.UsernameInvalid, Status.AlreadyLoggedIn, Status.NotAuthorized];
const FRAME_REJECTIONS = [Status.Malformed, Status.NotLoggedIn, Status.MessageTooLong, Status.UsernameMismatch, Status.InternalError];

/** A counter whose value is read from the server's own totals at scrape time. */
function mirroredCounter(registry: Registry, name: string, help: string, read: () => number): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

function mirroredLabelledCounter(
  registry: Registry,
  name: string,
  help: string,
  label: string,
  known: readonly string[],
  read: () => Readonly<Record<string, number>>,
): void {
  new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      const table = read();
      this.reset();
      for (const key of new Set([...known, ...Object.keys(table)])) this.inc({ [label]: key }, table[key] ?? 0);
    },
  });
}

function mirroredGauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

function buildRegistry(source: MetricsSource): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  mirroredGauge(registry, 'sup_connections', 'Open client connections, logged in or not', () => source.stats.connections);
  mirroredGauge(registry, 'sup_users_online', 'Logged-in users', () => source.stats.online);
  mirroredCounter(registry, 'sup_messages_delivered_total', 'Sends answered 000: queued for an online recipient', () => source.counters.messagesDelivered);
  mirroredCounter(registry, 'sup_sends_offline_total', 'Sends answered 104: the recipient was not online', () => source.counters.sendsOffline);
  mirroredCounter(
    registry,
    'sup_slow_consumer_disconnects_total',
    'Connections closed because their unsent output passed the limit',
    () => source.counters.slowConsumerDisconnects,
  );
  mirroredLabelledCounter(registry, 'sup_logins_refused_total', 'Refused logins, by status', 'status', LOGIN_REFUSALS, () => source.counters.loginsRefused);
  mirroredLabelledCounter(
    registry,
    'sup_frames_rejected_total',
    'Frames answered with an error status other than a login refusal or 104, by status',
    'status',
    FRAME_REJECTIONS,
    () => source.counters.framesRejected,
  );
  mirroredLabelledCounter(
    registry,
    'sup_connections_refused_total',
    'Connections refused with 201, by the limit that refused them',
    'reason',
    [],
    () => source.counters.connectionsRefused,
  );
  return registry;
}

/** Serves `/metrics` (Prometheus text) and `/healthz` over HTTP on `host:port`. */
export async function startMetricsEndpoint(source: MetricsSource, host: string, port: number): Promise<MetricsEndpoint> {
  const registry = buildRegistry(source);
  const respond = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const path = (request.url ?? '/').split('?')[0];
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
    } else if (path === '/metrics') {
      const body = await registry.metrics();
      response.writeHead(200, { 'content-type': registry.contentType }).end(body);
    } else if (path === '/healthz') {
      const ok = source.accepting;
      response.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' }).end(ok ? 'ok\n' : 'not accepting connections\n');
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /metrics or /healthz\n');
    }
  };
  const http = createServer((request, response) => {
    respond(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' }).end(`${(error as Error).message}\n`);
    });
  });
  http.listen(port, host);
  try {
    await once(http, 'listening');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'EADDRINUSE' ? 'the port is already in use; pick another' : (error as Error).message;
    throw new ServerListenError(`cannot serve metrics on ${host}:${port}: ${reason}`, error);
  }
  return {
    address: http.address() as AddressInfo,
    close: async () => {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
