// The public surface of `sup`: what a user of the client, the server and the plugin API needs,
// every export named on purpose (the codec is `sup/protocol`, the test kit `sup/testing`).
// test/public-api.test.ts pins this list: a change to it is a deliberate change to the API.
export { DEFAULT_HOST, DEFAULT_PORT } from './protocol/constants.js';
export { STATUS_TEXT, Status, type StatusCode } from './protocol/status.js';
export { MAX_USERNAME_LENGTH, isValidUsername, usernameProblem } from './protocol/username.js';
export { messageProblem } from './protocol/message-text.js';

export { SupServer, type SupServerStats } from './server/sup-server.js';
export type { SupServerOptions } from './server/options.js';
export type { ServerTlsOptions, MetricsEndpointOptions } from './server/tls-options.js';
export type { SupServerCounters } from './server/counters.js';
export type { ServerLogger } from './server/logger.js';
export type { ShutdownSummary } from './server/shutdown.js';
export { SupServerError, SupServerErrorCode, ServerOptionError, ServerListenError } from './server/errors.js';

export { SupClient, type SupClientEvents, type SupClientState, type SupClientStateType, type SupMessage } from './client/sup-client.js';
export type { SupClientOptions, ReconnectOptions, OnReconnect } from './client/options.js';
export {
  SupError,
  SupErrorCode,
  SupStatusError,
  SupNotAuthorizedError,
  SupConnectionError,
  SupTimeoutError,
  SupClosedError,
  SupDeliveryUnknownError,
  SupQueueFullError,
  SupInvalidArgumentError,
  SupProtocolError,
  type SupCommand,
} from './client/errors.js';
export { createNodeTransport, type NodeTransportOptions, type ClientTlsOptions } from './client/node-transport.js';
export type { Transport, TransportConnection, TransportHandlers, TransportTarget } from './client/transport.js';
export { systemClock, type Clock } from './client/clock.js';

export {
  definePlugin,
  type Plugin,
  type AnyPlugin,
  type PluginContext,
  type PluginStore,
  type OptionsValidator,
  type Disposer,
  type SendOutcome,
  type BotMessage,
  type HeardMessage,
  type CommandMessage,
  type HearHandler,
  type CommandRun,
  type CommandSpec,
  type CommandOptions,
  type CommandExample,
} from './bot/plugin.js';
export {
  systemScheduleClock,
  type ScheduleClock,
  type ScheduledJob,
  type JobFunction,
  type JobRun,
  type EveryOptions,
  type CronOptions,
} from './bot/schedule.js';
export type { BotHttpOptions, PluginHttp, HttpHandler, HttpRequest, HttpReply } from './bot/http-routes.js';
export { loadPlugins, preparePlugin, type PluginSpec, type LoadedPlugin, type LoadPluginsOptions } from './bot/loader.js';
export {
  BotRuntime,
  type BotRuntimeOptions,
  type BotRuntimeState,
  type BotRuntimeStats,
  type BotCommand,
} from './bot/runtime.js';
export type { BotClient, BotClientState } from './bot/client-port.js';
export type { IncomingMessage } from './bot/dispatcher.js';
export { createLineLogger, silentLogger, type BotLogger, type LogLevel, type LineLoggerOptions } from './bot/logger.js';
export type { BotLimits, ResolvedBotLimits, RateLimit, LoopGuardLimit } from './bot/options.js';
export {
  BotError,
  BotErrorCode,
  BotOptionError,
  BotSendError,
  CommandUsageError,
  HandlerTimeoutError,
  PluginLoadError,
  PluginSetupError,
  StoreError,
  type BotSendErrorCode,
  type PluginLoadErrorCode,
  type PluginSetupErrorCode,
  type StoreErrorCode,
} from './bot/errors.js';
