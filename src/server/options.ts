import { DEFAULT_HOST, DEFAULT_MAX_FRAME_BYTES, DEFAULT_PORT } from '../protocol/constants.js';
import { isInteger, isString, plainPath, type Shape } from '../protocol/option-schema.js';
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

/** Not public (the package exports `SupServerOptions` only): the server's tests instrument or pre-fill who is online. */
export interface ServerInternalOptions extends SupServerOptions {
  presence?: Presence<unknown>;
}

export type ResolvedServerOptions = Required<Omit<SupServerOptions, 'logger' | 'cluster' | 'tls' | 'reserve' | 'metrics'>>;

export const SERVER_DEFAULTS: ResolvedServerOptions = {
  host: DEFAULT_HOST,
  port: DEFAULT_PORT,
  maxFrameBytes: DEFAULT_MAX_FRAME_BYTES,
  maxConnections: 10_000,
  loginTimeoutMs: 10_000,
  maxOutputBytes: 8 * 1024 * 1024,
  outputHighWaterMark: 64 * 1024,
  keepAliveMs: 30_000,
  idleTimeoutMs: 300_000,
  maxBufferedBytes: 256 * 1024 * 1024,
  shutdownTimeoutMs: 5_000,
  maxConnectionsPerIp: 100,
};

/** The bounds of every option, by name; the CLI's config schema uses these as they are. */
export const SERVER_OPTIONS_SHAPE = {
  host: isString,
  port: isInteger(0, 65_535),
  maxFrameBytes: isInteger(64),
  maxConnections: isInteger(1),
  loginTimeoutMs: isInteger(1),
  maxOutputBytes: isInteger(1024),
  outputHighWaterMark: isInteger(1024),
  keepAliveMs: isInteger(1000),
  // Timers cannot wait longer than 2^31 - 1 ms.
  idleTimeoutMs: isInteger(0, 2 ** 31 - 1),
  maxBufferedBytes: isInteger(1024),
  shutdownTimeoutMs: isInteger(0, 2 ** 31 - 1),
  maxConnectionsPerIp: isInteger(0),
} as const satisfies Shape;

/** Fills in defaults and rejects values the server cannot run with. */
export function resolveServerOptions(options: SupServerOptions = {}): ResolvedServerOptions {
  const resolved: ResolvedServerOptions = { ...SERVER_DEFAULTS };
  for (const key of Object.keys(SERVER_DEFAULTS) as Array<keyof ResolvedServerOptions>) {
    const value = options[key];
    if (value === undefined) continue;
    const problem = SERVER_OPTIONS_SHAPE[key](value, key, plainPath);
    if (problem) throw new ServerOptionError(problem.path, problem.message);
    (resolved as Record<string, unknown>)[key] = value;
  }
  return resolved;
}
