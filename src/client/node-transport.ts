import { connect, type Socket } from 'node:net';
import type { Transport, TransportConnection, TransportHandlers, TransportTarget } from './transport.js';

/** TLS settings of a client; PEM text or buffers, as node:tls takes them. */
export interface ClientTlsOptions {
  /** CA certificate(s) the server's certificate must chain to. @default the system's CAs */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Client certificate (chain), for a server that maps certificates to names. */
  cert?: string | Buffer;
  /** Private key of `cert`. */
  key?: string | Buffer;
  /** Name the server's certificate must carry. @default the host, when it is a name */
  servername?: string;
  /** `false` accepts a server certificate that does not verify: for tests only. @default true */
  rejectUnauthorized?: boolean;
}

export interface NodeTransportOptions {
  /** Idle time before the OS starts TCP keepalive probes on the connection. @default 15000 */
  keepAliveMs?: number;
  /** Speak TLS: `true` verifies the server with the system's CAs. @default plain TCP */
  tls?: true | ClientTlsOptions;
}

type Dial = (target: TransportTarget) => Promise<{ socket: Socket; ready: 'connect' | 'secureConnect' }>;

/** The `node:net` transport, TLS (`node:tls`) when asked: the only place the client touches sockets. */
export function createNodeTransport(options: NodeTransportOptions = {}): Transport {
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  const tls = options.tls === true ? {} : options.tls;
  const dial: Dial =
    tls === undefined
      ? async (target) => ({ socket: connect({ host: target.host, port: target.port }), ready: 'connect' })
      : async (target) => {
          // Loaded only when TLS is asked for: a plain-TCP command never parses node:tls.
          const { connect: connectTls } = await import('node:tls');
          return { socket: connectTls({ host: target.host, port: target.port, ...tls }), ready: 'secureConnect' };
        };
  return {
    connect: (target, handlers) => openSocket(target, handlers, keepAliveMs, dial),
  };
}

async function openSocket(target: TransportTarget, handlers: TransportHandlers, keepAliveMs: number, dial: Dial): Promise<TransportConnection> {
  if (target.signal.aborted) throw target.signal.reason;
  const { socket, ready } = await dial(target);
  return new Promise((resolve, reject) => {
    if (target.signal.aborted) {
      socket.destroy();
      reject(target.signal.reason);
      return;
    }
    const settle = (): void => {
      socket.off('error', onError);
      socket.off(ready, onConnect);
      target.signal.removeEventListener('abort', onAbort);
    };
    const onError = (error: Error): void => {
      settle();
      socket.destroy();
      reject(error);
    };
    const onAbort = (): void => {
      settle();
      socket.destroy();
      reject(target.signal.reason);
    };
    const onConnect = (): void => {
      settle();
      // Requests are small frames that must not wait for Nagle; keepalive catches a silently dead peer.
      socket.setNoDelay(true);
      socket.setKeepAlive(true, keepAliveMs);
      resolve(new NodeConnection(socket, handlers));
    };
    socket.once('error', onError);
    socket.once(ready, onConnect);
    target.signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Writes made in one tick leave corked, as one writev: a burst of pipelined requests
 * costs one system call, not one each.
 */
class NodeConnection implements TransportConnection {
  readonly #socket: Socket;
  #corked = false;
  #error: Error | undefined;

  constructor(socket: Socket, handlers: TransportHandlers) {
    this.#socket = socket;
    socket.on('data', handlers.data);
    socket.on('error', (error) => {
      this.#error ??= error;
    });
    socket.once('close', () => handlers.close(this.#error));
  }

  write(bytes: Buffer): void {
    const socket = this.#socket;
    if (socket.destroyed) return;
    if (!this.#corked) {
      this.#corked = true;
      socket.cork();
      process.nextTick(uncork, this);
    }
    socket.write(bytes);
  }

  close(): void {
    this.#socket.destroy();
  }

  static uncork(connection: NodeConnection): void {
    connection.#corked = false;
    connection.#socket.uncork();
  }
}

const uncork = (connection: NodeConnection): void => NodeConnection.uncork(connection);
