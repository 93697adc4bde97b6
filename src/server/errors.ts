/** Base of every error the bundled server throws; branch on `code`. */
export class SupServerError extends Error {
  override name = 'SupServerError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** An option given to the server is out of range or of the wrong type. */
export class ServerOptionError extends SupServerError {
  override name = 'ServerOptionError';
  readonly option: string;

  constructor(option: string, message: string) {
    super('SUP_INVALID_SERVER_OPTION', message);
    this.option = option;
  }
}

/** The server could not bind its address (in use, not permitted, no such address). */
export class ServerListenError extends SupServerError {
  override name = 'ServerListenError';

  constructor(message: string, cause: unknown) {
    super('SUP_LISTEN_FAILED', message, { cause });
  }
}

/** The cluster's broker cannot be reached, or lacks JetStream; the node cannot start. */
export class ClusterUnavailableError extends SupServerError {
  override name = 'ClusterUnavailableError';

  constructor(message: string, cause?: unknown) {
    super('SUP_CLUSTER_UNAVAILABLE', message, { cause });
  }
}
