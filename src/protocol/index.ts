// `sup/protocol`: the Sup wire codec (PROTOCOL.md), pure, for code that speaks the protocol
// itself. test/public-api.test.ts pins this list.
export { DEFAULT_HOST, DEFAULT_MAX_FRAME_BYTES, DEFAULT_PORT, EOT } from './constants.js';
export { STATUS_TEXT, Status, isStatusCode, isSuccessStatus, type StatusCode } from './status.js';
export { MAX_USERNAME_LENGTH, isValidUsername, usernameProblem } from './username.js';
export { hasOnlyAllowedBytes } from './frame-bytes.js';
export { messageProblem } from './message-text.js';
export { FrameDecoder, FrameKind, OVERSIZED_FRAME, type FrameDecoderOptions, type OversizedFrame } from './frame-decoder.js';
export { parseClientFrame, encodeClientFrame, ClientCommand, type ClientFrame } from './client-frames.js';
export { parseServerFrame, encodeStatus, encodeRecv, encodeContacts, type ServerFrame } from './server-frames.js';
