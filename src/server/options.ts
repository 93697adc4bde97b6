import { DEFAULT_HOST, DEFAULT_MAX_FRAME_BYTES, DEFAULT_PORT } from '../protocol/constants.js';
import { ServerOptionError } from './errors.js';
import type { ClusterLink } from './cluster-link.js';
import type { ServerLogger } from './logger.js';
import type { Presence } from './presence.js';
import type { MetricsEndpointOptions, ServerTlsOptions } from './tls-options.js';

export interface SupServerOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** `0` picks any free port. @default 7877 */
  port?: number;
  /** Longest client frame accepted, EOT not counted; longer ones get 107. @default 16384 */
  maxFrameBytes?: number;
  /** Connections past this get `status 201 Server Full` and are closed. @default 10000 */
  maxConnections?: number;
  /** A connection not logged in by then is closed. @default 10000 */
  loginTimeoutMs?: number;
  /** A connection whose unsent output passes this is closed as a slow consumer. @default 8388608 */
  maxOutputBytes?: number;
  /** Above this much unsent output, the server stops reading that connection until it drains. @default 65536 */
  outputHighWaterMark?: number;
  /** Idle time before TCP keepalive probes start on a connection. @default 30000 */
  keepAliveMs?: number;
  /** A logged-in connection that sends nothing for this long is closed and its name freed; 0 turns it off. @default 300000 */
  idleTimeoutMs?: number;
  /** Unsent output allowed across all connections; past it, the connection holding the most is closed as a slow consumer. @default 268435456 */
  maxBufferedBytes?: number;
  /** How long `shutdown()` may spend writing out queued output before it closes what is left. @default 5000 */
  shutdownTimeoutMs?: number;
  /** Who is online; pass a shared registry to replace the in-process one. */
  presence?: Presence<unknown>;
  /** Makes this server one node of a cluster (see `sup server --cluster`); absent, it stands alone. */
  cluster?: ClusterLink;
  /** Where notable events (refusals, slow consumers, shutdown) are reported. @default silent */
  logger?: ServerLogger;
  /** Connections from one address past this are refused with 201; `0` is no limit. @default 100 */
  maxConnectionsPerIp?: number;
  /** Serve TLS only, from these files (read by `listen()`). @default plain TCP */
  tls?: ServerTlsOptions;
  /** Names only a connection whose verified client certificate names them may take (needs `tls.clientCaFile`). @default [] */
  reserve?: readonly string[];
  /** Serve Prometheus text at `/metrics` and `/healthz` on this HTTP address. @default off */
  metrics?: MetricsEndpointOptions;
}

export type ResolvedServerOptions = Required<Omit<SupServerOptions, 'presence' | 'logger' | 'cluster' | 'tls' | 'reserve' | 'metrics'>>;

export const SERVER_DEFAULTS: ResolvedServerOptions = {
  host: DEFAULT_HOST,
  port: DEFAULT_PORT,
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxConnections: 10_000,
  loginTimeoutMs: 10_000,
  maxOutputBytes: 8 * 1024 * 1024,
  outputHighWaterMark: 64 * 1024,
  keepAliveMs: 30_000,
  maxConnectionsPerIp: 100,
  idleTimeoutMs: 300_000,
  maxBufferedBytes: 256 * 1024 * 1024,
  shutdownTimeoutMs: 5_000,
};

function requireInteger(name: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `a whole number of at least ${min}` : `a whole number from ${min} to ${max}`;
    throw new ServerOptionError(name, `${name} must be ${range}, got ${String(value)}`);
  }
}

/** Fills in defaults and rejects values the server cannot run with. */
export function resolveServerOptions(options: SupServerOptions = {}): ResolvedServerOptions {
  const resolved: ResolvedServerOptions = { ...SERVER_DEFAULTS };
  for (const key of Object.keys(SERVER_DEFAULTS) as Array<keyof ResolvedServerOptions>) {
    const value = options[key];
    if (value !== undefined) (resolved as Record<string, unknown>)[key] = value;
  }
  if (typeof resolved.host !== 'string' || resolved.host.length === 0) {
    throw new ServerOptionError('host', `host must be a non-empty string, got ${String(resolved.host)}`);
  }
  requireInteger('port', resolved.port, 0, 65_535);
  requireInteger('maxFrameBytes', resolved.maxFrameBytes, 64);
  requireInteger('maxConnections', resolved.maxConnections, 1);
  requireInteger('loginTimeoutMs', resolved.loginTimeoutMs, 1);
  requireInteger('maxOutputBytes', resolved.maxOutputBytes, 1024);
  requireInteger('outputHighWaterMark', resolved.outputHighWaterMark, 1024);
  requireInteger('keepAliveMs', resolved.keepAliveMs, 1000);
  requireInteger('maxConnectionsPerIp', resolved.maxConnectionsPerIp, 0);
  // Timers cannot wait longer than 2^31 - 1 ms.
  requireInteger('idleTimeoutMs', resolved.idleTimeoutMs, 0, 2 ** 31 - 1);
  requireInteger('maxBufferedBytes', resolved.maxBufferedBytes, 1024);
  requireInteger('shutdownTimeoutMs', resolved.shutdownTimeoutMs, 0, 2 ** 31 - 1);
  return resolved;
}
