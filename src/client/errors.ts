/** Every `code` a client error can carry; callers branch on these, never on messages. */
export const SupErrorCode = {
  /** The server answered a request with an error status (see `SupStatusError.status`). */
  Status: 'SUP_STATUS',
  /** No connection could be opened (refused, unreachable, unknown host). */
  ConnectFailed: 'SUP_CONNECT_FAILED',
  /** An open connection was lost (reset, closed by the server, dead peer). */
  ConnectionLost: 'SUP_CONNECTION_LOST',
  /** Connecting and logging in took longer than `connectTimeoutMs`. */
  ConnectTimeout: 'SUP_CONNECT_TIMEOUT',
  /** A request went unanswered for `requestTimeoutMs`, queued and in flight together. */
  RequestTimeout: 'SUP_REQUEST_TIMEOUT',
  /** A request waited `offlineQueueTimeoutMs` for a connection and was never sent. */
  QueueTimeout: 'SUP_QUEUE_TIMEOUT',
  /** `offlineQueueLimit` requests were already waiting for a connection. */
  QueueFull: 'SUP_QUEUE_FULL',
  /** A `send` was written but the connection dropped before its status (`onReconnect: 'reject'`, or no reconnect). */
  DeliveryUnknown: 'SUP_DELIVERY_UNKNOWN',
  /** The client was closed (or is quitting) before the request was answered. */
  Closed: 'SUP_CLOSED',
  /** A username, message or option was refused before anything reached the wire. */
  InvalidArgument: 'SUP_INVALID_ARGUMENT',
  /** The server sent something the protocol does not allow there; the connection was dropped. */
  ProtocolViolation: 'SUP_PROTOCOL_VIOLATION',
  /** Login answered 109: this connection may not take that name (reserved, or its certificate names another); never retried. */
  NotAuthorized: 'SUP_NOT_AUTHORIZED',
} as const;

export type SupErrorCode = (typeof SupErrorCode)[keyof typeof SupErrorCode];

/** The command a request was sent with, as named in errors. */
export type SupCommand = 'login' | 'send' | 'get contacts' | 'contact' | 'quit';

/** Base of every error the client raises; branch on `code`. */
export class SupError extends Error {
  override name = 'SupError';
  readonly code: SupErrorCode;

  constructor(code: SupErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The server answered with an error status: `status` is the 3-digit code, e.g. '104'. */
export class SupStatusError extends SupError {
  override name = 'SupStatusError';
  readonly status: string;
  readonly statusText: string;
  readonly command: SupCommand;

  constructor(command: SupCommand, status: string, statusText: string, message: string) {
    super(SupErrorCode.Status, message);
    this.command = command;
    this.status = status;
    this.statusText = statusText;
  }
}

/** Login refused with `status 109 Not Authorized`: a `SupStatusError` with its own code, final for that name. */
export class SupNotAuthorizedError extends SupStatusError {
  override name = 'SupNotAuthorizedError';
  override readonly code: SupErrorCode = SupErrorCode.NotAuthorized;
}

/** Could not connect, or lost the connection; `cause` keeps the OS error (e.g. ECONNREFUSED). */
export class SupConnectionError extends SupError {
  override name = 'SupConnectionError';
  declare readonly code: typeof SupErrorCode.ConnectFailed | typeof SupErrorCode.ConnectionLost;
  readonly host: string;
  readonly port: number;
  /** The OS error code behind it, such as 'ECONNREFUSED', when there is one. */
  readonly systemCode: string | undefined;

  constructor(
    code: typeof SupErrorCode.ConnectFailed | typeof SupErrorCode.ConnectionLost,
    message: string,
    where: { host: string; port: number },
    cause?: unknown,
  ) {
    super(code, message, cause === undefined ? undefined : { cause });
    this.host = where.host;
    this.port = where.port;
    this.systemCode = systemCodeOf(cause);
  }
}

/** Something took longer than its configured limit; `timeoutMs` is that limit. */
export class SupTimeoutError extends SupError {
  override name = 'SupTimeoutError';
  declare readonly code:
    | typeof SupErrorCode.ConnectTimeout
    | typeof SupErrorCode.RequestTimeout
    | typeof SupErrorCode.QueueTimeout;
  readonly timeoutMs: number;
  /** The request that timed out; undefined for a connect timeout. */
  readonly command: SupCommand | undefined;

  constructor(
    code: typeof SupErrorCode.ConnectTimeout | typeof SupErrorCode.RequestTimeout | typeof SupErrorCode.QueueTimeout,
    message: string,
    timeoutMs: number,
    command?: SupCommand,
  ) {
    super(code, message);
    this.timeoutMs = timeoutMs;
    this.command = command;
  }
}

/** The client was closed, or is quitting, so the request will never be answered. */
export class SupClosedError extends SupError {
  override name = 'SupClosedError';

  constructor(message: string, cause?: unknown) {
    super(SupErrorCode.Closed, message, cause === undefined ? undefined : { cause });
  }
}

/** A `send` reached the wire but its status never came back: it may or may not have been delivered. */
export class SupDeliveryUnknownError extends SupError {
  override name = 'SupDeliveryUnknownError';
  readonly command: SupCommand;

  constructor(command: SupCommand, message: string, cause?: unknown) {
    super(SupErrorCode.DeliveryUnknown, message, cause === undefined ? undefined : { cause });
    this.command = command;
  }
}

/** Too many requests were already waiting for a connection; this one was refused at once. */
export class SupQueueFullError extends SupError {
  override name = 'SupQueueFullError';
  readonly limit: number;

  constructor(message: string, limit: number) {
    super(SupErrorCode.QueueFull, message);
    this.limit = limit;
  }
}

/**
 * A username, message or option that cannot be used; nothing was sent. `argument` names it: the
 * call's argument, or the option's path (also `option`, as on the server's and the bot's option errors).
 */
export class SupInvalidArgumentError extends SupError {
  override name = 'SupInvalidArgumentError';
  declare readonly code: typeof SupErrorCode.InvalidArgument;
  readonly argument: string;

  constructor(argument: string, message: string) {
    super(SupErrorCode.InvalidArgument, message);
    this.argument = argument;
  }

  get option(): string {
    return this.argument;
  }
}

/** The server broke the protocol (a frame it may not send there); `frame` is what it sent. */
export class SupProtocolError extends SupError {
  override name = 'SupProtocolError';
  readonly frame: string;

  constructor(message: string, frame: string) {
    super(SupErrorCode.ProtocolViolation, message);
    this.frame = frame;
  }
}

function systemCodeOf(cause: unknown): string | undefined {
  if (typeof cause !== 'object' || cause === null) return undefined;
  const code = (cause as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}
