/**
 * What a config file may hold, composed from each layer's own option bounds (client, server,
 * bot) rather than restating them; an unknown key or a wrong value is reported with its path.
 */
import { BOT_EXTRAS_SHAPE, BOT_LIMITS_SHAPE } from '../bot/options.js';
import { CLIENT_OPTIONS_SHAPE } from '../client/options.js';
import {
  isAnything,
  isArrayOf,
  isBoolean,
  isEither,
  isInteger,
  isObject,
  isOneOrMany,
  isString,
  isUsername,
  pick,
  type Check,
  type PathStyle,
} from '../protocol/option-schema.js';
import { SERVER_OPTIONS_SHAPE } from '../server/options.js';

/** Config paths are quoted, and the root is "the config". */
export const configPath: PathStyle = (path) => (path ? `"${path}"` : 'the config');

/** The server options a config file's "server" section may set. */
const CONFIG_SERVER_OPTIONS = [
  'host',
  'port',
  'maxFrameBytes',
  'maxConnections',
  'loginTimeoutMs',
  'idleTimeoutMs',
  'maxBufferedBytes',
  'shutdownTimeoutMs',
  'maxConnectionsPerIp',
] as const;
export type ConfigServerOption = (typeof CONFIG_SERVER_OPTIONS)[number];

const checkBot: Check = isObject({
  username: isString,
  plugins: isArrayOf(isEither(isString, isObject({ module: isString, options: isAnything }))),
  stateDir: isString,
  apology: isString,
  admins: BOT_EXTRAS_SHAPE.admins,
  fallback: BOT_EXTRAS_SHAPE.fallback,
  http: isEither(isString, isObject(BOT_EXTRAS_SHAPE.http)),
  limits: BOT_LIMITS_SHAPE,
});

export const checkConfig: Check = isObject({
  $schema: isAnything,
  host: CLIENT_OPTIONS_SHAPE.host,
  // The port a client connects to; only `server.port` may be 0 (any free port).
  port: CLIENT_OPTIONS_SHAPE.port,
  user: isString,
  timeout: isInteger(1),
  tls: isEither(isBoolean, isObject({ ca: isString, cert: isString, key: isString })),
  server: {
    ...pick(SERVER_OPTIONS_SHAPE, ...CONFIG_SERVER_OPTIONS),
    // TLS files (relative to the config file), reserved names and the metrics address, as `sup server` takes them.
    tlsCert: isString,
    tlsKey: isString,
    tlsClientCa: isString,
    requireClientCert: isBoolean,
    reserve: isArrayOf(isUsername),
    metrics: isString,
    // How `sup server` runs it, not options of the server itself.
    cluster: isOneOrMany(isString),
    clusterName: isString,
    workers: isInteger(1),
  },
  bot: isOneOrMany(checkBot),
});
