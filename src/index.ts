// The public surface of `sup`: every export is named here on purpose.
export { DEFAULT_HOST, DEFAULT_MAX_FRAME_BYTES, DEFAULT_PORT, EOT } from './protocol/constants.js';
export { STATUS_TEXT, Status, isStatusCode, isSuccessStatus, type StatusCode } from './protocol/status.js';
export { MAX_USERNAME_LENGTH, isValidUsername, usernameProblem } from './protocol/username.js';
export { hasOnlyAllowedBytes } from './protocol/frame-bytes.js';
export { messageProblem } from './protocol/message-text.js';
export { FrameDecoder, OVERSIZED_FRAME, type FrameDecoderOptions, type OversizedFrame } from './protocol/frame-decoder.js';
export { parseClientFrame, encodeClientFrame, type ClientFrame } from './protocol/client-frames.js';
export { parseServerFrame, encodeStatus, encodeRecv, encodeContacts, type ServerFrame } from './protocol/server-frames.js';

export { SupServer, type SupServerStats } from './server/sup-server.js';
export { SERVER_DEFAULTS, type SupServerOptions } from './server/options.js';
export { LocalPresence, type Presence } from './server/presence.js';
export { SupServerError, ServerOptionError, ServerListenError } from './server/errors.js';

export { SupClient, type SupClientEvents, type SupClientState, type SupClientStateType, type SupMessage } from './client/sup-client.js';
export { CLIENT_DEFAULTS, RECONNECT_DEFAULTS, type SupClientOptions, type ReconnectOptions, type OnReconnect } from './client/options.js';
export {
  SupError,
  SupErrorCode,
  SupStatusError,
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
export { createNodeTransport, type NodeTransportOptions } from './client/node-transport.js';
export type { Transport, TransportConnection, TransportHandlers, TransportTarget } from './client/transport.js';
