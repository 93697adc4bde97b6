import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { parseClientFrame } from '../protocol/client-frames.js';
import { OVERSIZED_FRAME, type OversizedFrame } from '../protocol/frame-decoder.js';
import { encodeContacts, encodeRecv, encodeStatus } from '../protocol/server-frames.js';
import { Status } from '../protocol/status.js';
import { isValidUsername } from '../protocol/username.js';
import { Connection, type ConnectionHandler } from './connection.js';
import { ServerListenError } from './errors.js';
import { resolveServerOptions, type ResolvedServerOptions, type SupServerOptions } from './options.js';
import { LocalPresence, type Presence } from './presence.js';

const OK = encodeStatus(Status.Ok);
const ONLINE = encodeStatus(Status.Online);
const SERVER_FULL = encodeStatus(Status.ServerFull);
// A refused connection gets this long to read its 201 before it is cut.
const REFUSAL_LINGER_MS = 1_000;

export interface SupServerStats {
  /** Open client connections, logged in or not. */
  connections: number;
  /** Logged-in users. */
  online: number;
  /** Bytes written to connections that their sockets have not yet handed to the kernel, summed. */
  unsentOutputBytes: number;
}

/**
 * The bundled Sup server. Implements every rule of PROTOCOL.md: frames answered strictly
 * in order, presence, routing, the frame, connection, login-time and output limits.
 */
export class SupServer {
  readonly options: ResolvedServerOptions;
  readonly #presence: Presence<Connection>;
  readonly #connections = new Set<Connection>();
  readonly #refused = new Set<Socket>();
  readonly #server: Server;
  readonly #handler: ConnectionHandler;
  #contactsNames: readonly string[] | undefined;
  #contactsFrame: Buffer | undefined;
  #closing: Promise<void> | undefined;

  constructor(options: SupServerOptions = {}) {
    this.options = resolveServerOptions(options);
    this.#presence = (options.presence as Presence<Connection> | undefined) ?? new LocalPresence<Connection>();
    this.#server = createServer({ highWaterMark: this.options.outputHighWaterMark }, (socket) => this.#accept(socket));
    // Accept failures (EMFILE, ECONNABORTED) hit one incoming socket; the listener keeps going.
    this.#server.on('error', ignore);
    this.#handler = {
      frame: (connection, frame) => this.#answer(connection, frame),
      offline: (connection) => this.#offline(connection),
      closed: (connection) => this.#connections.delete(connection),
    };
  }

  /** Starts listening; resolves with the bound address (the real port when `port` is 0). */
  listen(): Promise<AddressInfo> {
    const { host, port } = this.options;
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(new ServerListenError(listenFailure(host, port, error), error));
      };
      this.#server.once('error', onError);
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError);
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  /** The bound address, or undefined before `listen()` resolves. */
  get address(): AddressInfo | undefined {
    const address = this.#server.address();
    return address !== null && typeof address === 'object' ? address : undefined;
  }

  /** A snapshot for monitoring; `unsentOutputBytes` walks every connection. */
  get stats(): SupServerStats {
    let unsentOutputBytes = 0;
    for (const connection of this.#connections) unsentOutputBytes += connection.unsentBytes;
    return { connections: this.#connections.size, online: this.#presence.size, unsentOutputBytes };
  }

  /**
   * Stops accepting, closes every connection, and resolves once all are gone and every
   * name they held is released. Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  async #closeAll(): Promise<void> {
    const stopped = this.#server.listening
      ? new Promise<void>((resolve) => this.#server.close(() => resolve()))
      : Promise.resolve();
    const gone: Array<Promise<void>> = [stopped];
    for (const connection of this.#connections) {
      gone.push(connection.closed);
      connection.destroy();
    }
    for (const socket of this.#refused) {
      gone.push(new Promise((resolve) => socket.once('close', () => resolve())));
      socket.destroy();
    }
    await Promise.all(gone);
  }

  #accept(socket: Socket): void {
    if (this.#connections.size >= this.options.maxConnections) {
      this.#refuse(socket);
      return;
    }
    const connection = new Connection(socket, this.#handler, this.options);
    this.#connections.add(connection);
    connection.loginTimer = setTimeout(() => connection.destroy(), this.options.loginTimeoutMs);
  }

  #refuse(socket: Socket): void {
    this.#refused.add(socket);
    socket.on('error', () => socket.destroy());
    const linger = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref();
    socket.on('close', () => {
      clearTimeout(linger);
      this.#refused.delete(socket);
    });
    socket.end(SERVER_FULL);
    // Read and drop whatever it sends, so closing never resets the connection before it reads the 201.
    socket.resume();
  }

  #offline(connection: Connection): void {
    clearTimeout(connection.loginTimer);
    if (connection.username !== undefined) this.#presence.release(connection.username, connection);
  }

  #answer(connection: Connection, frame: Buffer | OversizedFrame): void {
    try {
      this.#dispatch(connection, frame);
    } catch {
      // A bug answering one frame must not take the server down or stall the connection.
      connection.write(encodeStatus(Status.InternalError));
    }
  }

  #dispatch(connection: Connection, frame: Buffer | OversizedFrame): void {
    if (frame === OVERSIZED_FRAME) {
      connection.write(encodeStatus(Status.MessageTooLong));
      return;
    }
    const command = parseClientFrame(frame);
    if (command.type === 'malformed') {
      connection.write(encodeStatus(Status.Malformed));
      return;
    }
    if (command.type === 'login') {
      connection.write(this.#login(connection, command.username));
      return;
    }
    const username = connection.username;
    if (username === undefined) {
      connection.write(encodeStatus(Status.NotLoggedIn));
      return;
    }
    switch (command.type) {
      case 'get-contacts':
        connection.write(OK);
        connection.write(this.#contacts());
        return;
      case 'contact':
        connection.write(this.#presence.lookup(command.username) ? ONLINE : encodeStatus(Status.Offline));
        return;
      case 'send': {
        const recipient = this.#presence.lookup(command.to);
        const delivered = recipient?.deliver(encodeRecv(username, command.message)) ?? false;
        connection.write(delivered ? OK : encodeStatus(Status.UserNotOnline));
        return;
      }
      case 'quit':
        if (command.username !== username) {
          connection.write(encodeStatus(Status.UsernameMismatch));
          return;
        }
        this.#presence.release(username, connection);
        connection.write(OK);
        connection.end();
        return;
    }
  }

  #login(connection: Connection, username: string): Buffer {
    if (connection.username !== undefined) return encodeStatus(Status.AlreadyLoggedIn);
    if (!isValidUsername(username)) return encodeStatus(Status.UsernameInvalid);
    if (!this.#presence.claim(username, connection)) return encodeStatus(Status.UsernameTaken);
    connection.username = username;
    clearTimeout(connection.loginTimer);
    connection.loginTimer = undefined;
    return OK;
  }

  #contacts(): Buffer {
    const names = this.#presence.sortedNames();
    if (names !== this.#contactsNames || !this.#contactsFrame) {
      this.#contactsNames = names;
      this.#contactsFrame = encodeContacts(names);
    }
    return this.#contactsFrame;
  }
}

function ignore(): void {}

function listenFailure(host: string, port: number, error: NodeJS.ErrnoException): string {
  const where = `${host}:${port}`;
  switch (error.code) {
    case 'EADDRINUSE':
      return `cannot listen on ${where}: the port is already in use; stop the other server or pick another port`;
    case 'EACCES':
      return `cannot listen on ${where}: permission denied; pick a port above 1023 or run with the needed rights`;
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
      return `cannot listen on ${where}: this machine has no such address; check the host`;
    default:
      return `cannot listen on ${where}: ${error.message}`;
  }
}
