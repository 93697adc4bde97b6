import { connect, type Socket } from 'node:net';
import type { Transport, TransportConnection, TransportHandlers, TransportTarget } from './transport.js';

export interface NodeTransportOptions {
  /** Idle time before the OS starts TCP keepalive probes on the connection. @default 15000 */
  keepAliveMs?: number;
}

/** The plain-TCP transport (`node:net`): the only place the client touches sockets. */
export function createNodeTransport(options: NodeTransportOptions = {}): Transport {
  const keepAliveMs = options.keepAliveMs ?? 15_000;
  return {
    connect: (target, handlers) => openSocket(target, handlers, keepAliveMs),
  };
}

function openSocket(target: TransportTarget, handlers: TransportHandlers, keepAliveMs: number): Promise<TransportConnection> {
  return new Promise((resolve, reject) => {
    if (target.signal.aborted) {
      reject(target.signal.reason);
      return;
    }
    const socket = connect({ host: target.host, port: target.port });
    const settle = (): void => {
      socket.off('error', onError);
      socket.off('connect', onConnect);
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
    socket.once('connect', onConnect);
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
