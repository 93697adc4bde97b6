import { EventEmitter } from 'node:events';
import { encodeClientFrame } from '../protocol/client-frames.js';
import { messageProblem } from '../protocol/message-text.js';
import { Status } from '../protocol/status.js';
import { usernameProblem } from '../protocol/username.js';
import { backoffDelay, serverFullDelay } from './backoff.js';
import { startTimer, type CancelTimer } from './clock.js';
import { SupInvalidArgumentError, SupStatusError, type SupError } from './errors.js';
import {
  cannotConnect,
  closedAlready,
  closedBeforeConnect,
  closedDuringLogin,
  connectionLost,
  connectTimedOut,
  peerSilent,
  protocolViolation,
  statusRefused,
  type Endpoint,
} from './failures.js';
import { FrameDispatch, type ServerFrameHandlers } from './frame-dispatch.js';
import { createIdleProbe, type LivenessProbe } from './liveness-probe.js';
import { MessageStream } from './message-stream.js';
import { resolveClientOptions, type ResolvedClientOptions, type SupClientOptions } from './options.js';
import { PendingRequests, type RequestKind } from './pending-requests.js';
import type { TransportConnection, TransportHandlers } from './transport.js';

/** A chat message received (a `recv` frame). */
export interface SupMessage {
  readonly from: string;
  readonly text: string;
  readonly receivedAt: Date;
}

/**
 * Where the client is in its life. `attempt` counts attempts in a row since the last stable
 * connection (1 for the first); `lastError` is why the previous attempt or connection failed.
 */
export type SupClientState =
  | { readonly type: 'idle' }
  | { readonly type: 'connecting'; readonly attempt: number; readonly lastError?: SupError }
  | { readonly type: 'online' }
  | { readonly type: 'backoff'; readonly attempt: number; readonly delayMs: number; readonly lastError: SupError }
  | { readonly type: 'closing' }
  | { readonly type: 'closed'; readonly lastError?: SupError };

export type SupClientStateType = SupClientState['type'];

export interface SupClientEvents {
  message: [message: SupMessage];
  state: [state: SupClientState];
}

/** One connection attempt and, once it succeeds, the connection it opened. */
interface Session {
  readonly abort: AbortController;
  readonly frames: FrameDispatch;
  connection: TransportConnection | undefined;
  loggedIn: boolean;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (error: Error) => void;
}

const IDLE: SupClientState = Object.freeze({ type: 'idle' });
const ONLINE: SupClientState = Object.freeze({ type: 'online' });
const CLOSING: SupClientState = Object.freeze({ type: 'closing' });
const CLOSED: SupClientState = Object.freeze({ type: 'closed' });

/**
 * The reconnecting Sup client the CLI and the bot runtime share. Requests are pipelined
 * (written in order, matched to statuses first-in first-out) up to `maxInFlight`; while
 * offline they wait in a bounded queue; after a drop, unanswered ones are resent first.
 */
export class SupClient extends EventEmitter<SupClientEvents> {
  readonly #options: ResolvedClientOptions;
  readonly #endpoint: Endpoint;
  readonly #requests: PendingRequests;
  readonly #probe: LivenessProbe;
  readonly #streams = new Set<MessageStream<SupMessage>>();
  #state: SupClientState = IDLE;
  #session: Session | undefined;
  #closed = false;
  #quitting = false;
  #quitPromise: Promise<void> | undefined;
  #connecting: Deferred | undefined;
  #attempts = 0;
  #lastError: SupError | undefined;
  #onlineAt = 0;
  // One timer each for connect and retry; deadlines and liveness keep one each in their modules.
  #cancelConnectTimer: CancelTimer | undefined;
  #cancelRetryTimer: CancelTimer | undefined;

  constructor(options: SupClientOptions) {
    super();
    const resolved = resolveClientOptions(options);
    this.#options = resolved;
    this.#endpoint = { host: resolved.host, port: resolved.port };
    this.#requests = new PendingRequests({ ...resolved, endpoint: this.#endpoint });
    const probeFrame = encodeClientFrame.contact(resolved.username);
    this.#probe = createIdleProbe({
      ...resolved,
      written: () => this.#requests.writtenCount,
      send: () => this.#requests.probe(probeFrame, resolved.username),
      dead: (quietMs) => {
        const session = this.#session;
        if (session?.loggedIn) this.#connectionLost(session, peerSilent(this.#endpoint, quietMs));
      },
    });
  }

  get username(): string {
    return this.#options.username;
  }

  get state(): SupClientState {
    return this.#state;
  }

  /**
   * Connects and logs in; resolves once online. With reconnect on, failed attempts are
   * retried with backoff (see `state`) and this resolves when one succeeds; it rejects on a
   * fatal refusal (102), once `maxAttempts` is spent, or on `close()`.
   */
  connect(): Promise<void> {
    if (this.#state.type === 'online') return Promise.resolve();
    if (this.#closed || this.#quitting) return Promise.reject(closedAlready(!this.#closed));
    this.#connecting ??= deferred();
    if (this.#session === undefined && this.#cancelRetryTimer === undefined) this.#dial();
    return this.#connecting.promise;
  }

  /** Sends a chat message; resolves on `status 000`, rejects with SupStatusError otherwise (e.g. 104). */
  send(to: string, text: string): Promise<void> {
    const problem = checkUsername('to', to) ?? checkText(to, text, this.#options.maxFrameBytes);
    if (problem !== undefined) return Promise.reject(problem);
    return this.#request<void>('send', encodeClientFrame.send(to, text), to);
  }

  /** Every online user, this client included, in ascending byte order. */
  contacts(): Promise<string[]> {
    return this.#request<string[]>('get contacts', encodeClientFrame.getContacts(), '');
  }

  /** True when `user` is online (`001`), false when not (`103`). */
  isOnline(user: string): Promise<boolean> {
    const problem = checkUsername('user', user);
    if (problem !== undefined) return Promise.reject(problem);
    return this.#request<boolean>('contact', encodeClientFrame.contact(user), user);
  }

  /** Every message received from now on, until the client is closed. */
  messages(): AsyncIterableIterator<SupMessage> {
    const stream = new MessageStream<SupMessage>((ended) => this.#streams.delete(ended));
    if (this.#closed) stream.end();
    else this.#streams.add(stream);
    return stream;
  }

  /**
   * Logs off: `quit <name>` goes after every request already made, its status is awaited,
   * then the client closes for good. When not online there is no one to tell: it closes at
   * once, and requests still waiting reject with SupClosedError.
   */
  quit(): Promise<void> {
    if (this.#quitPromise) return this.#quitPromise;
    if (this.#closed) return Promise.resolve();
    if (this.#session?.loggedIn !== true) {
      this.#stop(undefined, true);
      return Promise.resolve();
    }
    this.#quitting = true;
    const { username } = this.#options;
    const quitting = this.#requests.add<void>('quit', encodeClientFrame.quit(username), username);
    const finish = (): void => this.#stop(undefined, false);
    quitting.then(finish, finish);
    this.#quitPromise = quitting;
    this.#setState(CLOSING);
    return quitting;
  }

  /** Closes at once, without `quit`: every pending promise rejects with SupClosedError. */
  close(): void {
    this.#stop(undefined, true);
  }

  #request<T>(command: RequestKind, frame: Buffer, subject: string): Promise<T> {
    if (this.#closed || this.#quitting) return Promise.reject(closedAlready(!this.#closed));
    return this.#requests.add<T>(command, frame, subject);
  }

  #dial(): void {
    this.#attempts++;
    const session: Session = {
      abort: new AbortController(),
      frames: new FrameDispatch(this.#frameHandlers(() => session)),
      connection: undefined,
      loggedIn: false,
    };
    this.#session = session;
    const { connectTimeoutMs, transport, clock } = this.#options;
    if (connectTimeoutMs !== Infinity) {
      this.#cancelConnectTimer = startTimer(clock, connectTimeoutMs, () => {
        this.#attemptFailed(session, connectTimedOut(this.#endpoint, connectTimeoutMs));
      });
    }
    const live = (): boolean => this.#session === session;
    const handlers: TransportHandlers = {
      data: (chunk) => {
        if (this.#session !== session) return;
        this.#probe.heard();
        session.frames.push(chunk, live);
      },
      close: (error) => this.#onClose(session, error),
    };
    let opening: Promise<TransportConnection>;
    try {
      opening = transport.connect({ ...this.#endpoint, signal: session.abort.signal }, handlers);
    } catch (error) {
      opening = Promise.reject(error);
    }
    opening.then(
      (connection) => this.#onOpen(session, connection),
      (error: unknown) => this.#attemptFailed(session, cannotConnect(this.#endpoint, error)),
    );
    const lastError = this.#lastError;
    const attempt = this.#attempts;
    this.#setState(lastError ? { type: 'connecting', attempt, lastError } : { type: 'connecting', attempt });
  }

  #onOpen(session: Session, connection: TransportConnection): void {
    if (this.#session !== session) {
      connection.close();
      return;
    }
    session.connection = connection;
    connection.write(encodeClientFrame.login(this.#options.username));
  }

  #onLoginStatus(session: Session, code: string, text: string): void {
    if (code === Status.Ok) {
      this.#goOnline(session);
      return;
    }
    this.#attemptFailed(session, statusRefused(this.#endpoint, 'login', this.#options.username, code, text));
  }

  #goOnline(session: Session): void {
    this.#cancelConnectTimer?.();
    this.#cancelConnectTimer = undefined;
    session.loggedIn = true;
    this.#onlineAt = this.#options.clock.now();
    this.#lastError = undefined;
    this.#probe.start();
    this.#requests.online(session.connection!);
    this.#setState(ONLINE);
    // Taken after the state event: a listener that closed the client has rejected it already.
    const connecting = this.#connecting;
    this.#connecting = undefined;
    connecting?.resolve();
  }

  #onClose(session: Session, error: Error | undefined): void {
    if (this.#session !== session) return;
    if (session.loggedIn) this.#connectionLost(session, connectionLost(this.#endpoint, error));
    else this.#attemptFailed(session, closedDuringLogin(this.#endpoint, error));
  }

  #attemptFailed(session: Session, error: SupError): void {
    if (this.#session !== session) return;
    this.#endSession();
    this.#lastError = error;
    const { reconnect } = this.#options;
    if (reconnect === false || isFatal(error) || this.#attempts >= reconnect.maxAttempts) {
      this.#stop(error, false);
      return;
    }
    this.#scheduleRetry(error);
  }

  #connectionLost(session: Session, error: SupError): void {
    if (this.#session !== session) return;
    const { reconnect, onReconnect, clock } = this.#options;
    const stable = reconnect !== false && clock.now() - this.#onlineAt >= reconnect.stableAfterMs;
    this.#endSession();
    this.#lastError = error;
    if (reconnect === false || this.#quitting) {
      this.#stop(error, false);
      return;
    }
    this.#requests.dropped(error, onReconnect);
    if (stable) {
      this.#attempts = 0;
      this.#dial();
    } else if (this.#attempts >= reconnect.maxAttempts) {
      this.#stop(error, false);
    } else {
      this.#scheduleRetry(error);
    }
  }

  #scheduleRetry(error: SupError): void {
    const { reconnect, clock } = this.#options;
    if (reconnect === false) return;
    const serverFull = error instanceof SupStatusError && error.status === Status.ServerFull;
    const delayMs = serverFull ? serverFullDelay(this.#attempts, reconnect) : backoffDelay(this.#attempts, reconnect);
    this.#cancelRetryTimer = startTimer(clock, delayMs, () => {
      this.#cancelRetryTimer = undefined;
      this.#dial();
    });
    this.#setState({ type: 'backoff', attempt: this.#attempts, delayMs, lastError: error });
  }

  /** Drops the current attempt or connection, whatever its stage; requests are left to the caller. */
  #endSession(): void {
    const session = this.#session;
    if (session === undefined) return;
    this.#session = undefined;
    this.#requests.offline();
    this.#probe.stop();
    this.#cancelConnectTimer?.();
    this.#cancelConnectTimer = undefined;
    session.abort.abort();
    session.connection?.close();
  }

  /** The end: nothing reconnects after this, and every pending promise settles. */
  #stop(error: SupError | undefined, byUser: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#endSession();
    this.#cancelRetryTimer?.();
    this.#cancelRetryTimer = undefined;
    this.#requests.settleAll(error, byUser);
    const connecting = this.#connecting;
    this.#connecting = undefined;
    connecting?.reject(error ?? closedBeforeConnect());
    this.#setState(error ? { type: 'closed', lastError: error } : CLOSED);
    for (const stream of this.#streams) stream.end();
    this.#streams.clear();
  }

  /** Routes the frames of `session()`: statuses before login answer the login, after it the requests. */
  #frameHandlers(session: () => Session): ServerFrameHandlers {
    return {
      message: (from, text) => this.#deliver(from, text),
      status: (code, text, bytes) => {
        const current = session();
        if (this.#requests.contactsDue) {
          this.#violation(current, bytes, 'the contacts list was due right after its status');
        } else if (current.loggedIn) {
          this.#onStatus(current, code, text);
        } else {
          this.#onLoginStatus(current, code, text);
        }
      },
      contacts: (usernames, bytes) => {
        if (!this.#requests.answerContacts(usernames)) {
          this.#violation(session(), bytes, "only a status was due (a contacts list follows only 'get contacts')");
        }
      },
      violation: (bytes, expected) => this.#violation(session(), bytes, expected),
    };
  }

  #onStatus(session: Session, code: string, text: string): void {
    const request = this.#requests.answer(code, text);
    if (request === undefined) {
      this.#violation(session, statusBytes(code, text), 'no request was waiting for a status');
    } else if (request.command === 'probe') {
      this.#probe.answered();
    } else if (request.command === 'quit') {
      this.#stop(undefined, false);
    }
  }

  #violation(session: Session, bytes: Buffer, expected: string): void {
    const error = protocolViolation(this.#endpoint, bytes.toString('latin1'), expected);
    if (session.loggedIn) this.#connectionLost(session, error);
    else this.#attemptFailed(session, error);
  }

  #deliver(from: string, text: string): void {
    const message: SupMessage = { from, text, receivedAt: new Date() };
    this.#emitSafely('message', message);
    for (const stream of this.#streams) stream.push(message);
  }

  #setState(state: SupClientState): void {
    this.#state = state;
    this.#emitSafely('state', state);
  }

  /** A throwing listener must not leave the client half-way through a frame or a transition. */
  #emitSafely<K extends keyof SupClientEvents>(event: K, value: SupClientEvents[K][0]): void {
    try {
      (this as EventEmitter).emit(event, value);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
  }
}

/** A status frame as it would have come, for the message of a violation. */
function statusBytes(code: string, text: string): Buffer {
  return Buffer.from(`status ${code} ${text}`, 'latin1');
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Refusals that retrying cannot fix: any 1xx but 101, which frees up when the holder goes. */
function isFatal(error: SupError): boolean {
  return error instanceof SupStatusError && error.status.startsWith('1') && error.status !== Status.UsernameTaken;
}

function checkUsername(argument: string, name: unknown): SupInvalidArgumentError | undefined {
  const problem = typeof name === 'string' ? usernameProblem(name) : 'a username must be a string';
  if (problem === undefined) return undefined;
  return new SupInvalidArgumentError(argument, `invalid username ${JSON.stringify(name)}: ${problem}`);
}

function checkText(to: string, text: unknown, maxFrameBytes: number): SupInvalidArgumentError | undefined {
  const problem = typeof text === 'string' ? messageProblem(to, text, maxFrameBytes) : 'the message must be a string';
  if (problem === undefined) return undefined;
  return new SupInvalidArgumentError('text', `cannot send to "${to}": ${problem}`);
}
