/**
 * The seam between the client core and the network: the core only ever sees these types,
 * so a TLS adapter or a test double can replace the `node:net` one.
 */

/** Where to connect, and a signal that aborts the attempt (on connect timeout or close). */
export interface TransportTarget {
  host: string;
  port: number;
  signal: AbortSignal;
}

/** What the transport calls back with once connected. */
export interface TransportHandlers {
  /** Bytes from the server, split anywhere. */
  data(chunk: Buffer): void;
  /** The connection ended, with the error that ended it if any; called exactly once. */
  close(error: Error | undefined): void;
}

/** One open connection. */
export interface TransportConnection {
  /** Queues bytes for the server, in order. */
  write(bytes: Buffer): void;
  /** Tears the connection down at once; `handlers.close` follows. */
  close(): void;
}

export interface Transport {
  /**
   * Opens a connection; resolves once bytes can be written. Rejects with the underlying
   * error (its `code`, such as ECONNREFUSED, kept) or, when `signal` aborts, with its reason.
   */
  connect(target: TransportTarget, handlers: TransportHandlers): Promise<TransportConnection>;
}
