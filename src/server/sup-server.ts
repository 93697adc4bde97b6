import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { FrameKind } from '../protocol/frame-decoder.js';
import { encodeStatus } from '../protocol/server-frames.js';
import { Status } from '../protocol/status.js';
import { AddressLimits } from './address-limits.js';
import { ClusterRouting } from './cluster-routing.js';
import { Connection } from './connection.js';
import { ConnectionGroup } from './connection-group.js';
import { ServerCounters, type SupServerCounters } from './counters.js';
import { Deadlines } from './deadlines.js';
import { fitConnectionsToDescriptors, REFUSALS_LINGERING_MAX } from './descriptor-limit.js';
import { ServerListenError } from './errors.js';
import { FrameAnswers } from './frame-answers.js';
import { IdleReaper } from './idle-reaper.js';
import { OutputBudget } from './output-budget.js';
import { drainConnections, NOTHING_DRAINED, type ShutdownSummary } from './shutdown.js';
import { resolveServerOptions, type ResolvedServerOptions, type ServerInternalOptions, type SupServerOptions } from './options.js';
import { silentServerLogger, type ServerLogger } from './logger.js';
import type { MetricsEndpoint } from './metrics.js';
import { LocalPresence, type Presence } from './presence.js';
import type { TlsAcceptor } from './tls.js';
import { resolveSecuritySettings, type SecuritySettings } from './tls-options.js';

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
  readonly #log: ServerLogger;
  readonly #connections = new Set<Connection>();
  readonly #refused = new Set<Socket>();
  readonly #server: Server;
  readonly #group: ConnectionGroup;
  readonly #loginDeadlines: Deadlines<Connection>;
  readonly #security: SecuritySettings;
  readonly #addresses: AddressLimits;
  readonly #counters = new ServerCounters();
  // Verified client certificates' names; only TLS connections with one have an entry.
  readonly #certificateNames = new WeakMap<Connection, string>();
  // With TLS: the accepted TCP sockets still open, handshaking or carrying a connection.
  readonly #tlsSockets = new Set<Socket>();
  #tls: TlsAcceptor | undefined;
  #metrics: MetricsEndpoint | undefined;
  readonly #reaper: IdleReaper<Connection>;
  readonly #maxConnections: number;
  // Only in cluster mode; the single-process paths never touch it.
  readonly #cluster: ClusterRouting | undefined;
  readonly #answers: FrameAnswers;
  #closing: Promise<void> | undefined;
  #shuttingDown: Promise<ShutdownSummary> | undefined;

  constructor(options: SupServerOptions = {}) {
    this.options = resolveServerOptions(options);
    this.#log = options.logger ?? silentServerLogger;
    this.#security = resolveSecuritySettings(options);
    this.#addresses = new AddressLimits(this.options.maxConnectionsPerIp);
    this.#presence = ((options as ServerInternalOptions).presence as Presence<Connection> | undefined) ?? new LocalPresence<Connection>();
    this.#server = createServer(
      {
        highWaterMark: this.options.outputHighWaterMark,
        // Set by node as it accepts, rather than by two more calls per connection here.
        noDelay: true,
        keepAlive: true,
        keepAliveInitialDelay: this.options.keepAliveMs,
        // A FIN ends our side only once every frame before it is answered (a cluster node answers some later).
        allowHalfOpen: true,
      },
      (socket) => this.#accept(socket),
    );
    // Accept failures (EMFILE, ECONNABORTED) hit one incoming socket; the listener keeps going.
    this.#server.on('error', ignore);
    const handler = {
      frame: (connection: Connection, kind: FrameKind, bytes: Buffer, start: number, end: number) =>
        this.#answers.answer(connection, kind, bytes, start, end),
      offline: (connection: Connection) => this.#offline(connection),
      closed: (connection: Connection) => this.#connections.delete(connection),
      slowConsumer: (connection: Connection) => this.#cutOff(connection, 'max-output-bytes'),
    };
    const budget = new OutputBudget<Connection>(this.options.maxBufferedBytes, (connection) => {
      this.#cutOff(connection, 'max-buffered-bytes');
      connection.destroy();
    });
    this.#reaper = new IdleReaper(this.options.idleTimeoutMs, this.#connections, (connection) => this.#reapIdle(connection));
    this.#group = new ConnectionGroup(handler, this.options, budget, this.#reaper);
    this.#loginDeadlines = new Deadlines(this.options.loginTimeoutMs, destroyConnection);
    this.#maxConnections = fitConnectionsToDescriptors(this.options.maxConnections, this.#log);
    if (options.cluster !== undefined) {
      this.#cluster = new ClusterRouting(options.cluster, {
        presence: this.#presence,
        connections: this.#connections,
        log: this.#log,
        counters: this.#counters,
        loggedIn: (connection) => this.#loginDeadlines.cancel(connection.loginTicket),
      });
    }
    this.#answers = new FrameAnswers({
      presence: this.#presence,
      cluster: this.#cluster,
      counters: this.#counters,
      log: this.#log,
      loginDeadlines: this.#loginDeadlines,
      reserve: this.#security.reserve,
      certificateNames: this.#certificateNames,
    });
  }

  /**
   * Reads the TLS files (if any), starts listening, then serves metrics (if asked);
   * resolves with the bound address (the real port when `port` is 0).
   */
  async listen(): Promise<AddressInfo> {
    const { tls, metrics } = this.#security;
    if (tls !== undefined && this.#tls === undefined) {
      // Loaded only when asked for: a plain server never parses node:tls.
      const { loadTlsAcceptor } = await import('./tls.js');
      this.#tls = await loadTlsAcceptor(tls, this.options.loginTimeoutMs, {
        secure: (socket, certificateName) => this.#open(socket, certificateName),
        rejected: (socket, reason) => this.#log.warn('tls-client-rejected', { address: socket.remoteAddress, reason }),
        failed: (address, error) => this.#log.info('tls-handshake-failed', { address, reason: (error as NodeJS.ErrnoException).code ?? error.message }),
      });
      this.#log.info('tls-loaded', { cert: tls.certFile, ...this.#tls.summary });
    }
    const address = await this.#bind();
    if (metrics !== undefined) {
      try {
        const { startMetricsEndpoint } = await import('./metrics.js');
        this.#metrics = await startMetricsEndpoint(this, metrics.host, metrics.port);
      } catch (error) {
        this.#server.close();
        throw error;
      }
      this.#log.info('metrics-listening', { host: this.#metrics.address.address, port: this.#metrics.address.port });
    }
    this.#log.info('listening', { host: address.address, port: address.port, tls: this.#tls !== undefined });
    if (this.#tls === undefined && !isLoopback(address.address)) {
      this.#log.warn('plaintext-on-network', {
        host: address.address,
        advice: 'anyone on the network can read every message and take any name; serve TLS with --tls-cert and --tls-key',
      });
    }
    return address;
  }

  #bind(): Promise<AddressInfo> {
    const { host, port } = this.options;
    return new Promise((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException): void => {
        reject(new ServerListenError(listenFailure(host, port, error), error));
      };
      this.#server.once('error', onError);
      this.#server.listen(port, host, () => {
        this.#server.off('error', onError);
        this.#reaper.start();
        resolve(this.#server.address() as AddressInfo);
      });
    });
  }

  /** The bound address, or undefined before `listen()` resolves. */
  get address(): AddressInfo | undefined {
    const address = this.#server.address();
    return address !== null && typeof address === 'object' ? address : undefined;
  }

  /** The metrics endpoint's address, once `listen()` started it. */
  get metricsAddress(): AddressInfo | undefined {
    return this.#metrics?.address;
  }

  /** True from `listen()` until `close()`: the server takes new connections. */
  get accepting(): boolean {
    return this.#server.listening && this.#closing === undefined && this.#shuttingDown === undefined;
  }

  /** Totals since start: deliveries, 104s, refusals by status, slow consumers. */
  get counters(): SupServerCounters {
    return this.#counters.snapshot();
  }

  /** A snapshot for monitoring; `unsentOutputBytes` walks every connection. */
  get stats(): SupServerStats {
    let unsentOutputBytes = 0;
    for (const connection of this.#connections) unsentOutputBytes += connection.unsentBytes;
    return { connections: this.#connections.size, online: this.#presence.size, unsentOutputBytes };
  }

  /**
   * Stops accepting, closes every connection, and resolves once all are gone and every
   * name they held is released; output not yet sent is dropped (see `shutdown()`).
   * Calling it again returns the same promise.
   */
  close(): Promise<void> {
    this.#closing ??= this.#closeAll();
    return this.#closing;
  }

  /**
   * The graceful stop: stops accepting and reading frames, writes out everything already
   * queued (every acknowledged message) for up to `timeoutMs`, then closes. Resolves with
   * what was written out and what the deadline cut off, once every connection is gone.
   * Calling it again returns the same promise; `close()` meanwhile cuts it short.
   */
  shutdown({ timeoutMs = this.options.shutdownTimeoutMs }: { timeoutMs?: number } = {}): Promise<ShutdownSummary> {
    this.#shuttingDown ??= this.#shutDown(timeoutMs);
    return this.#shuttingDown;
  }

  async #shutDown(timeoutMs: number): Promise<ShutdownSummary> {
    if (this.#closing !== undefined) {
      await this.#closing;
      return NOTHING_DRAINED;
    }
    if (this.#server.listening) this.#server.close();
    this.#reaper.stop();
    this.#loginDeadlines.clear();
    const summary = await drainConnections([...this.#connections], timeoutMs);
    await this.close();
    const { droppedMessages, ...rest } = summary;
    if (droppedMessages > 0) this.#log.warn('shutdown', { ...rest, droppedMessages });
    else this.#log.info('shutdown', { ...rest, droppedMessages });
    return summary;
  }

  async #closeAll(): Promise<void> {
    // A graceful shutdown() logs its own summary once this is done.
    if (this.#shuttingDown === undefined) this.#log.info('shutdown', { connections: this.#connections.size, online: this.#presence.size });
    const stopped = this.#server.listening
      ? new Promise<void>((resolve) => this.#server.close(() => resolve()))
      : Promise.resolve();
    const gone: Array<Promise<void>> = [stopped];
    for (const connection of this.#connections) {
      gone.push(connection.closed);
      connection.destroy();
    }
    this.#loginDeadlines.clear();
    this.#reaper.stop();
    for (const socket of [...this.#refused, ...this.#tlsSockets]) {
      gone.push(new Promise((resolve) => socket.once('close', () => resolve())));
      socket.destroy();
    }
    if (this.#metrics !== undefined) gone.push(this.#metrics.close());
    await Promise.all(gone);
  }

  #accept(socket: Socket): void {
    const tls = this.#tls;
    if ((tls === undefined ? this.#connections.size : this.#tlsSockets.size) >= this.#maxConnections) {
      this.#refuse(socket, 'max-connections');
      return;
    }
    const address = socket.remoteAddress;
    const limited = this.#addresses.enabled && address !== undefined;
    if (limited && !this.#addresses.admit(address)) {
      this.#refuse(socket, 'max-connections-per-ip');
      return;
    }
    if (tls !== undefined || limited) {
      // Counted until the TCP socket closes, whatever happens above it (a failed handshake included).
      socket.once('close', () => {
        if (limited) this.#addresses.release(address);
        this.#tlsSockets.delete(socket);
      });
    }
    if (tls === undefined) {
      this.#open(socket, undefined);
      return;
    }
    this.#tlsSockets.add(socket);
    tls.accept(socket);
  }

  /** A connection ready for frames: a TCP socket, or a TLS one whose handshake is done. */
  #open(socket: Socket, certificateName: string | undefined): void {
    if (this.#closing !== undefined || this.#shuttingDown !== undefined) {
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, this.#group);
    this.#connections.add(connection);
    if (certificateName !== undefined) this.#certificateNames.set(connection, certificateName);
    connection.loginTicket = this.#loginDeadlines.add(connection);
  }

  #refuse(raw: Socket, reason: 'max-connections' | 'max-connections-per-ip'): void {
    this.#log.warn('connection-refused', { reason, address: raw.remoteAddress });
    ServerCounters.add(this.#counters.connectionsRefused, reason);
    // Over TLS the 201 goes out encrypted, after the handshake (bounded by the linger below).
    const socket = this.#tls?.wrapForRefusal(raw) ?? raw;
    socket.on('error', () => socket.destroy());
    if (this.#refused.size >= REFUSALS_LINGERING_MAX) {
      // Short of descriptors: no lingering, the 201 leaves with our FIN and the socket goes at once.
      socket.end(SERVER_FULL);
      socket.destroySoon();
      return;
    }
    this.#refused.add(socket);
    const linger = setTimeout(() => socket.destroy(), REFUSAL_LINGER_MS).unref();
    socket.on('close', () => {
      clearTimeout(linger);
      this.#refused.delete(socket);
    });
    socket.end(SERVER_FULL);
    // Read and drop whatever it sends, so closing never resets the connection before it reads the 201.
    socket.resume();
  }

  /** Logs a slow consumer about to be closed, with what closing it drops; the caller closes it. */
  #cutOff(connection: Connection, reason: 'max-output-bytes' | 'max-buffered-bytes'): void {
    this.#counters.slowConsumerDisconnects++;
    this.#log.warn('slow-consumer-closed', {
      reason,
      user: connection.username,
      address: connection.socket.remoteAddress,
      unsentBytes: connection.unsentBytes,
      droppedMessages: connection.unsentMessages,
    });
  }

  #reapIdle(connection: Connection): void {
    this.#log.info('idle-closed', {
      user: connection.username,
      idleTimeoutMs: this.options.idleTimeoutMs,
      unsentMessages: connection.unsentMessages,
    });
    // Ended, not destroyed: a live peer that was only quiet still gets what was queued for it.
    connection.end();
  }

  /** Frees what the connection held; on a cluster node, resolves once its name is free cluster-wide. */
  #offline(connection: Connection): void | Promise<void> {
    if (connection.username === undefined) {
      this.#loginDeadlines.cancel(connection.loginTicket);
      return;
    }
    const released = this.#cluster?.offline(connection);
    this.#presence.release(connection.username, connection);
    return released;
  }
}

function ignore(): void {}

/** 127.0.0.0/8, ::1 and their IPv4-mapped forms: only this machine can reach them. */
function isLoopback(address: string): boolean {
  return /^(::ffff:)?127\./.test(address) || address === '::1' || address === 'localhost';
}

function destroyConnection(connection: Connection): void {
  connection.destroy();
}

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
