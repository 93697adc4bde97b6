import { createServer, type Server, type Socket } from 'node:net';
import type { Cleanup } from './raw-peer.js';

/**
 * The listening half the scripted fake servers share: 127.0.0.1, any free port, every open
 * socket tracked; `cleanup` closes it and every connection when the test ends.
 */
export class LocalListener {
  readonly port: number;
  readonly server: Server;
  readonly sockets = new Set<Socket>();
  accepted = 0;

  private constructor(server: Server, port: number, onSocket: (socket: Socket) => void) {
    this.server = server;
    this.port = port;
    server.on('connection', (socket) => {
      this.accepted++;
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      onSocket(socket);
    });
  }

  static async start(cleanup: Cleanup, onSocket: (socket: Socket) => void): Promise<LocalListener> {
    const server = createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    if (address === null || typeof address !== 'object') throw new Error('the fake server has no address');
    const listener = new LocalListener(server, address.port, onSocket);
    cleanup.after(() => listener.close());
    return listener;
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => (this.server.listening ? this.server.close(() => resolve()) : resolve()));
  }
}
