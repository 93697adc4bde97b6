import { encodeStatus } from '../protocol/server-frames.js';
import { Status } from '../protocol/status.js';

// Encoded once: the server writes the same few statuses for every frame it answers.
export const OK = encodeStatus(Status.Ok);
export const ONLINE = encodeStatus(Status.Online);
export const OFFLINE = encodeStatus(Status.Offline);
export const NOT_ONLINE = encodeStatus(Status.UserNotOnline);
export const INTERNAL_ERROR = encodeStatus(Status.InternalError);
