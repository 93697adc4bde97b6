import { InvalidArgumentError } from 'commander';
import { dirname, resolve } from 'node:path';
import type { SupServerOptions } from '../server/options.js';
import type { MetricsEndpointOptions } from '../server/tls-options.js';
import { CliError } from './cli-error.js';
import type { SupConfig } from './config.js';
import { parseHttpAddress } from './commands/bot.js';
import { ExitCode } from './exit-codes.js';

/** The config's `server` section without its cluster keys. */
export type StandaloneSection = Omit<NonNullable<SupConfig['server']>, 'cluster' | 'clusterName' | 'workers'>;

/** The server's deployment flags: TLS, reserved names, the per-address limit, metrics. */
export interface ServerSecurityFlags {
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  requireClientCert?: boolean;
  reserve?: string[];
  maxConnectionsPerIp?: number;
  metrics?: MetricsEndpointOptions;
}

/** commander parser for `--metrics`: `HOST:PORT`, `[IPv6]:PORT`, or `PORT` on 127.0.0.1. */
export function metricsOption(value: string): MetricsEndpointOptions {
  const parsed = parseHttpAddress(value);
  if (parsed === undefined) throw new InvalidArgumentError('expected HOST:PORT or PORT, such as 127.0.0.1:9464.');
  return parsed;
}

/** commander parser for `--reserve a,b` (repeatable). */
export function namesOption(value: string, previous: string[] = []): string[] {
  return [...previous, ...value.split(',').map((name) => name.trim()).filter((name) => name !== '')];
}

/**
 * The server options from flags (paths relative to the working directory) over the config
 * file's `server` section (paths relative to that file).
 */
export function serverOptionsFrom(
  flags: Omit<SupServerOptions, 'tls' | 'reserve' | 'metrics' | 'logger' | 'presence' | 'cluster'> & ServerSecurityFlags,
  section: StandaloneSection = {},
  configFile: string | undefined,
  cwd: string,
): SupServerOptions {
  const { tlsCert, tlsKey, tlsClientCa, requireClientCert, reserve, metrics, ...rest } = flags;
  const {
    tlsCert: configCert,
    tlsKey: configKey,
    tlsClientCa: configCa,
    requireClientCert: configRequire,
    reserve: configReserve,
    metrics: configMetrics,
    ...configRest
  } = section;
  const configDir = configFile === undefined ? cwd : dirname(configFile);
  const path = (flag: string | undefined, configured: string | undefined): string | undefined =>
    flag !== undefined ? resolve(cwd, flag) : configured !== undefined ? resolve(configDir, configured) : undefined;
  const certFile = path(tlsCert, configCert);
  const keyFile = path(tlsKey, configKey);
  const clientCaFile = path(tlsClientCa, configCa);
  if ((certFile === undefined) !== (keyFile === undefined)) {
    throw new CliError(ExitCode.Usage, `${certFile === undefined ? '--tls-key' : '--tls-cert'} needs ${certFile === undefined ? '--tls-cert' : '--tls-key'} too: TLS takes a certificate and its key`);
  }
  if (certFile === undefined && (clientCaFile !== undefined || (requireClientCert ?? configRequire) === true)) {
    throw new CliError(ExitCode.Usage, 'client certificates need TLS: give --tls-cert and --tls-key too');
  }
  let endpoint = metrics;
  if (endpoint === undefined && configMetrics !== undefined) {
    endpoint = parseHttpAddress(configMetrics);
    if (endpoint === undefined) {
      throw new CliError(ExitCode.Usage, `config ${configFile}: "server.metrics" must be HOST:PORT, got ${JSON.stringify(configMetrics)}`);
    }
  }
  const options: SupServerOptions = { ...configRest, ...definedOnly(rest) };
  if (certFile !== undefined && keyFile !== undefined) {
    options.tls = { certFile, keyFile, clientCaFile, requireClientCert: requireClientCert ?? configRequire ?? false };
  }
  const names = reserve ?? configReserve;
  if (names !== undefined) options.reserve = names;
  if (endpoint !== undefined) options.metrics = endpoint;
  return options;
}

function definedOnly<T extends object>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}
