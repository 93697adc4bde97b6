import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import type { ClientTlsOptions } from '../client/node-transport.js';
import { CliError } from './cli-error.js';
import type { SupConfig } from './config.js';
import { ExitCode } from './exit-codes.js';
import { describeOrigin, type Origin } from './origin.js';

/** The TLS flags of every command that connects. */
export interface TlsFlags {
  tls?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

export function addTlsOptions(command: Command): Command {
  return command
    .option('--tls', "connect over TLS, verifying the server with the system's CAs")
    .option('--tls-ca <file>', "PEM CA the server's certificate must chain to; implies --tls (env SUP_TLS_CA)")
    .option('--tls-cert <file>', 'PEM client certificate, for a server that maps certificates to names; implies --tls (env SUP_TLS_CERT)')
    .option('--tls-key <file>', 'PEM private key of --tls-cert (env SUP_TLS_KEY)');
}

/** A PEM file to read and where its path came from. */
export type PemSource = { file: string; origin: Origin };

/** Whether TLS is on (and what turned it on) and which PEM files it uses: what `sup config` shows. */
export interface ClientTlsSources {
  on: Origin | undefined;
  ca?: PemSource;
  cert?: PemSource;
  key?: PemSource;
}

/**
 * Where the client's TLS settings come from: each of CA, certificate and key from its flag
 * (relative to the working directory), else its env var, else the config's `tls` (relative
 * to the config file). Any of them, or `--tls`, or `"tls": true`, turns TLS on.
 */
export function locateClientTls(
  flags: TlsFlags,
  env: NodeJS.ProcessEnv,
  configured: SupConfig['tls'],
  configFile: string | undefined,
  cwd: string,
): ClientTlsSources {
  const section = typeof configured === 'object' ? configured : {};
  const configDir = configFile === undefined ? cwd : dirname(configFile);
  const pick = (flag: string | undefined, flagName: string, envName: string, key: 'ca' | 'cert' | 'key'): PemSource | undefined => {
    if (flag !== undefined) return { file: resolve(cwd, flag), origin: { from: 'flag', flag: flagName } };
    const fromEnv = env[envName];
    if (fromEnv !== undefined && fromEnv !== '') return { file: resolve(cwd, fromEnv), origin: { from: 'env', name: envName } };
    const fromConfig = section[key];
    if (fromConfig === undefined) return undefined;
    return { file: resolve(configDir, fromConfig), origin: { from: 'file', file: configFile ?? '', key: `tls.${key}` } };
  };
  const ca = pick(flags.tlsCa, '--tls-ca', 'SUP_TLS_CA', 'ca');
  const cert = pick(flags.tlsCert, '--tls-cert', 'SUP_TLS_CERT', 'cert');
  const key = pick(flags.tlsKey, '--tls-key', 'SUP_TLS_KEY', 'key');
  if ((cert === undefined) !== (key === undefined)) {
    const [given, missing] = cert === undefined ? [key!, '--tls-cert (or SUP_TLS_CERT)'] : [cert, '--tls-key (or SUP_TLS_KEY)'];
    throw new CliError(
      ExitCode.Usage,
      `a client certificate needs its key and the key its certificate: ${describeOrigin(given.origin)} is given, ${missing} is not`,
    );
  }
  const on: Origin | undefined =
    flags.tls === true
      ? { from: 'flag', flag: '--tls' }
      : (ca?.origin ?? cert?.origin ?? (configured === true ? { from: 'file', file: configFile ?? '', key: 'tls' } : undefined));
  return { on, ...(ca && { ca }), ...(cert && { cert }), ...(key && { key }) };
}

/** The client's TLS options with the PEM files read, so a missing one stops the command with exit 2 naming it. */
export async function readClientTls({ on, ca, cert, key }: ClientTlsSources): Promise<true | ClientTlsOptions | undefined> {
  if (on === undefined) return undefined;
  if (ca === undefined && cert === undefined) return true;
  const options: ClientTlsOptions = {};
  if (ca !== undefined) options.ca = await readPem(ca);
  if (cert !== undefined) options.cert = await readPem(cert);
  if (key !== undefined) options.key = await readPem(key);
  return options;
}

async function readPem({ file, origin }: PemSource): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message;
    throw new CliError(ExitCode.Usage, `cannot read ${file} (from ${describeOrigin(origin)}): ${why}`, { cause: error });
  }
}

/**
 * The settings for a throwaway name (`contacts`, `status` without --user): no client
 * certificate, since a certificate allows only the one name it carries.
 */
export function withoutClientCertificate<T extends { tls: true | ClientTlsOptions | undefined }>(settings: T): T {
  const { tls } = settings;
  if (tls === undefined || tls === true || (tls.cert === undefined && tls.key === undefined)) return settings;
  const { cert: _cert, key: _key, ...rest } = tls;
  return { ...settings, tls: rest };
}
