/** Every `code` a server error can carry, each naming one failure; callers branch on these. */
export const SupServerErrorCode = {
  /** An option given to the server is out of range or of the wrong type. */
  InvalidOption: 'SUP_INVALID_SERVER_OPTION',
  /** The server could not bind its address (in use, not permitted, no such address). */
  ListenFailed: 'SUP_LISTEN_FAILED',
  /** The cluster's broker cannot be reached, or lacks JetStream; the node cannot start. */
  ClusterUnavailable: 'SUP_CLUSTER_UNAVAILABLE',
} as const;

export type SupServerErrorCode = (typeof SupServerErrorCode)[keyof typeof SupServerErrorCode];

/** Base of every error the bundled server throws; branch on `code`. */
export class SupServerError extends Error {
  override name = 'SupServerError';
  readonly code: SupServerErrorCode;

  constructor(code: SupServerErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** An option given to the server is out of range or of the wrong type. */
export class ServerOptionError extends SupServerError {
  override name = 'ServerOptionError';
  declare readonly code: typeof SupServerErrorCode.InvalidOption;
  readonly option: string;

  constructor(option: string, message: string) {
    super(SupServerErrorCode.InvalidOption, message);
    this.option = option;
  }
}

/** The server could not bind its address (in use, not permitted, no such address). */
export class ServerListenError extends SupServerError {
  override name = 'ServerListenError';
  declare readonly code: typeof SupServerErrorCode.ListenFailed;

  constructor(message: string, cause: unknown) {
    super(SupServerErrorCode.ListenFailed, message, { cause });
  }
}

/** The cluster's broker cannot be reached, or lacks JetStream; the node cannot start. */
export class ClusterUnavailableError extends SupServerError {
  override name = 'ClusterUnavailableError';
  declare readonly code: typeof SupServerErrorCode.ClusterUnavailable;

  constructor(message: string, cause?: unknown) {
    super(SupServerErrorCode.ClusterUnavailable, message, { cause });
  }
}
