// The public surface of `sup`: every export is named here on purpose.
export { DEFAULT_HOST, DEFAULT_MAX_FRAME_BYTES, DEFAULT_PORT, EOT } from './protocol/constants.js';
export { STATUS_TEXT, Status, isStatusCode, isSuccessStatus, type StatusCode } from './protocol/status.js';
export { MAX_USERNAME_LENGTH, isValidUsername, usernameProblem } from './protocol/username.js';
export { hasOnlyAllowedBytes } from './protocol/frame-bytes.js';
export { messageProblem } from './protocol/message-text.js';
export { FrameDecoder, FrameKind, OVERSIZED_FRAME, type FrameDecoderOptions, type OversizedFrame } from './protocol/frame-decoder.js';
export { parseClientFrame, encodeClientFrame, ClientCommand, ClientFrameScanner, type ClientFrame } from './protocol/client-frames.js';
export { parseServerFrame, encodeStatus, encodeRecv, encodeRecvPrefix, encodeContacts, type ServerFrame } from './protocol/server-frames.js';

export { SupServer, type SupServerStats } from './server/sup-server.js';
export type { ShutdownSummary } from './server/shutdown.js';
export { SERVER_DEFAULTS, type SupServerOptions } from './server/options.js';
export type { ServerTlsOptions, MetricsEndpointOptions } from './server/tls-options.js';
export type { SupServerCounters } from './server/counters.js';
export type { ServerLogger } from './server/logger.js';
export { LocalPresence, type Presence } from './server/presence.js';
export { SupServerError, ServerOptionError, ServerListenError } from './server/errors.js';

export { SupClient, type SupClientEvents, type SupClientState, type SupClientStateType, type SupMessage } from './client/sup-client.js';
export { CLIENT_DEFAULTS, RECONNECT_DEFAULTS, type SupClientOptions, type ReconnectOptions, type OnReconnect } from './client/options.js';
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
export { backoffDelay, backoffCeiling, serverFullDelay, type BackoffOptions } from './client/backoff.js';
export { createNodeTransport, type NodeTransportOptions, type ClientTlsOptions } from './client/node-transport.js';
export type { Transport, TransportConnection, TransportHandlers, TransportTarget } from './client/transport.js';

export {
  definePlugin,
  pluginShapeProblem,
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
export {
  DEFAULT_HTTP_HOST,
  DEFAULT_MAX_BODY_BYTES,
  type BotHttpOptions,
  type PluginHttp,
  type HttpHandler,
  type HttpRequest,
  type HttpReply,
} from './bot/http-routes.js';
export { loadPlugins, preparePlugin, resolvePluginModule, type PluginSpec, type LoadedPlugin, type LoadPluginsOptions } from './bot/loader.js';
export {
  BotRuntime,
  type BotRuntimeOptions,
  type BotRuntimeState,
  type BotRuntimeStats,
  type BotCommand,
} from './bot/runtime.js';
export type { BotClient } from './bot/client-port.js';
export type { IncomingMessage } from './bot/dispatcher.js';
export { createLineLogger, childLogger, silentLogger, type BotLogger, type LogLevel, type LineLoggerOptions } from './bot/logger.js';
export {
  BOT_LIMIT_DEFAULTS,
  DEFAULT_APOLOGY,
  DEFAULT_CONCURRENCY,
  DEFAULT_HANDLER_TIMEOUT_MS,
  DEFAULT_SHUTDOWN_TIMEOUT_MS,
  DEFAULT_RATE_BURST,
  DEFAULT_RATE_PER_SECOND,
  DEFAULT_LOOP_GUARD_MAX,
  DEFAULT_LOOP_GUARD_WINDOW_MS,
  resolveBotLimits,
  type BotLimits,
  type ResolvedBotLimits,
  type RateLimit,
  type LoopGuardLimit,
} from './bot/options.js';
export { systemClock, type Clock } from './bot/clock.js';
export {
  BotError,
  BotOptionError,
  BotSendError,
  BotSendErrorCode,
  CommandUsageError,
  HandlerTimeoutError,
  PluginLoadError,
  PluginLoadErrorCode,
  PluginSetupError,
  PluginSetupErrorCode,
  StoreError,
  StoreErrorCode,
} from './bot/errors.js';
