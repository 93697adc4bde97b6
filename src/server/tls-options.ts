import { usernameProblem } from '../protocol/username.js';
import { ServerOptionError } from './errors.js';

/** The server's TLS files; read once, when `listen()` is called. */
export interface ServerTlsOptions {
  /** PEM certificate (chain) the server presents. */
  certFile: string;
  /** PEM private key of `certFile`. */
  keyFile: string;
  /**
   * PEM CA certificate(s): every client is asked for a certificate and one that does not
   * verify against these is cut off. A verified certificate's subject CN is the only name
   * that connection may log in with. @default no client certificates asked for
   */
  clientCaFile?: string;
  /** Refuse clients without a verified certificate (needs `clientCaFile`). @default false */
  requireClientCert?: boolean;
}

/** Where the metrics endpoint listens. */
export interface MetricsEndpointOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** `0` picks any free port. */
  port: number;
}

/** The TLS, reserved-name and metrics settings, checked. */
export interface SecuritySettings {
  tls: ServerTlsOptions | undefined;
  reserve: ReadonlySet<string>;
  metrics: Required<MetricsEndpointOptions> | undefined;
}

const DEFAULT_METRICS_HOST = '127.0.0.1';

function nonEmptyString(option: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new ServerOptionError(option, `${option} must be a file path, got ${JSON.stringify(value) ?? String(value)}`);
  }
}

/** Checks the shape of the TLS, `reserve` and `metrics` options; the files are read later, by `listen()`. */
export function resolveSecuritySettings(options: {
  tls?: ServerTlsOptions;
  reserve?: readonly string[];
  metrics?: MetricsEndpointOptions;
}): SecuritySettings {
  const { tls, reserve = [], metrics } = options;
  if (tls !== undefined) {
    if (typeof tls !== 'object' || tls === null) throw new ServerOptionError('tls', 'tls must be an object with certFile and keyFile');
    nonEmptyString('tls.certFile', tls.certFile);
    nonEmptyString('tls.keyFile', tls.keyFile);
    if (tls.clientCaFile !== undefined) nonEmptyString('tls.clientCaFile', tls.clientCaFile);
    if (tls.requireClientCert === true && tls.clientCaFile === undefined) {
      throw new ServerOptionError('tls.requireClientCert', 'requiring client certificates needs a CA to verify them: give tls.clientCaFile (--tls-client-ca)');
    }
  }
  if (!Array.isArray(reserve)) throw new ServerOptionError('reserve', 'reserve must be an array of usernames');
  for (const name of reserve) {
    const problem = typeof name === 'string' ? usernameProblem(name) : 'not a string';
    if (problem !== undefined) throw new ServerOptionError('reserve', `reserve: ${JSON.stringify(name)} is not a valid username: ${problem}`);
  }
  if (reserve.length > 0 && tls?.clientCaFile === undefined) {
    throw new ServerOptionError(
      'reserve',
      'reserved names can only be taken with a verified client certificate: give tls.clientCaFile (--tls-client-ca) too',
    );
  }
  let resolvedMetrics: Required<MetricsEndpointOptions> | undefined;
  if (metrics !== undefined) {
    const host = metrics.host ?? DEFAULT_METRICS_HOST;
    if (typeof host !== 'string' || host.length === 0) throw new ServerOptionError('metrics.host', 'metrics.host must be a non-empty string');
    if (!Number.isInteger(metrics.port) || metrics.port < 0 || metrics.port > 65_535) {
      throw new ServerOptionError('metrics.port', `metrics.port must be a whole number from 0 to 65535, got ${String(metrics.port)}`);
    }
    resolvedMetrics = { host, port: metrics.port };
  }
  return { tls, reserve: new Set(reserve), metrics: resolvedMetrics };
}

/**
 * Whether a connection may log in as `name`: one with a verified certificate only as the
 * certificate's name, a reserved name only by such a connection.
 */
export function mayTakeName(name: string, certificateName: string | undefined, reserve: ReadonlySet<string>): boolean {
  return certificateName !== undefined ? name === certificateName : !reserve.has(name);
}
