import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';

/** Which server the load generator talks to. */
export const Target = { Sup: 'sup', Nats: 'nats' } as const;
export type Target = (typeof Target)[keyof typeof Target];

export const EOT = 0x04;
export const LF = 0x0a;
export const CR = 0x0d;

const CONNECT_TIMEOUT_MS = 15_000;

/** TLS for the bench's connections: the CA that signed the server's certificate (PEM). */
export interface WireTls {
  ca: string;
}

/**
 * Opens a connection with Nagle off, as a latency benchmark needs; with `tls`, a TLS one.
 * `afterInfoLine`: the server speaks a line in clear text before TLS starts (nats-server 2.9's INFO).
 */
export async function open(host: string, port: number, tls?: WireTls, afterInfoLine = false): Promise<Socket> {
  const socket = await openTcp(host, port);
  if (tls === undefined) return socket;
  try {
    if (afterInfoLine) await exchange(socket, '', (received) => (received.includes('\r\n') ? received.length : -1), 'INFO before TLS');
    return await startTls(socket, tls);
  } catch (error) {
    socket.destroy();
    throw error;
  }
}

function startTls(socket: Socket, tls: WireTls): Promise<Socket> {
  return whenReady(connectTls({ socket, ca: tls.ca, servername: 'localhost' }), 'secureConnect', 'the TLS handshake');
}

function openTcp(host: string, port: number): Promise<Socket> {
  return whenReady(connect({ host, port, noDelay: true }), 'connect', `connecting to ${host}:${port}`);
}

/** Resolves with `socket` once `ready` fires; fails on an error or after CONNECT_TIMEOUT_MS. */
function whenReady(socket: Socket, ready: 'connect' | 'secureConnect', what: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${what} took over ${CONNECT_TIMEOUT_MS} ms`));
    }, CONNECT_TIMEOUT_MS);
    socket.once(ready, () => {
      clearTimeout(timer);
      socket.off('error', reject);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
}

/**
 * Writes `request` and collects the reply until `complete` returns the end offset of the
 * handshake (or throws to refuse it); resolves with whatever arrived after that end.
 */
export function exchange(
  socket: Socket,
  request: string,
  complete: (received: Buffer) => number,
  what: string,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let received: Buffer = Buffer.alloc(0);
    const finish = (error: Error | undefined, rest?: Buffer): void => {
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      if (error) reject(error);
      else resolve(rest!);
    };
    const onData = (chunk: Buffer): void => {
      received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
      let end: number;
      try {
        end = complete(received);
      } catch (error) {
        finish(error as Error);
        return;
      }
      if (end >= 0) finish(undefined, received.subarray(end));
    };
    const onError = (error: Error): void => finish(new Error(`${what}: ${error.message}`, { cause: error }));
    const onClose = (): void => finish(new Error(`${what}: the server closed the connection`));
    const timer = setTimeout(() => finish(new Error(`${what}: no answer within ${CONNECT_TIMEOUT_MS} ms`)), CONNECT_TIMEOUT_MS);
    socket.on('data', onData);
    socket.once('error', onError);
    socket.once('close', onClose);
    if (request !== '') socket.write(request, 'latin1');
  });
}

/** Handshake end for a Sup login: the first frame must be `status 000 OK`. */
export function supLoginComplete(name: string): (received: Buffer) => number {
  return (received) => {
    const eot = received.indexOf(EOT);
    if (eot === -1) return -1;
    const reply = received.toString('latin1', 0, eot);
    if (reply !== 'status 000 OK') throw new Error(`login ${name} was refused: ${reply}`);
    return eot + 1;
  };
}

/** Handshake end for NATS: our trailing PING's PONG, with no -ERR before it. */
export function natsPongComplete(received: Buffer): number {
  const error = received.indexOf('-ERR');
  if (error !== -1) {
    const end = received.indexOf(LF, error);
    throw new Error(`nats-server refused the connection: ${received.toString('latin1', error, end === -1 ? undefined : end).trim()}`);
  }
  const pong = received.indexOf('PONG\r\n');
  return pong === -1 ? -1 : pong + 6;
}

export const NATS_CONNECT = 'CONNECT {"verbose":true,"pedantic":false}\r\n';

/** Opens and logs in one connection that will then sit idle. */
export async function openIdle(target: Target, host: string, port: number, name: string, tls?: WireTls): Promise<Socket> {
  const socket = await open(host, port, tls, target === Target.Nats);
  try {
    if (target === Target.Sup) {
      await exchange(socket, `login ${name}\x04`, supLoginComplete(name), `login ${name}`);
    } else {
      await exchange(socket, `${NATS_CONNECT}PING\r\n`, natsPongComplete, `connect ${name}`);
      // nats-server pings idle clients every 2 minutes; answering keeps a long run honest.
      socket.on('data', (chunk: Buffer) => {
        if (chunk.includes('PING\r\n')) socket.write('PONG\r\n');
      });
    }
  } catch (error) {
    socket.destroy();
    throw error;
  }
  return socket;
}
