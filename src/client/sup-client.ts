import { EventEmitter } from 'node:events';
import PQueue from 'p-queue';
import { encodeClientFrame } from '../protocol/client-frames.js';
import { FrameDecoder, OVERSIZED_FRAME } from '../protocol/frame-decoder.js';
import { messageProblem } from '../protocol/message-text.js';
import { parseServerFrame } from '../protocol/server-frames.js';
import { Status } from '../protocol/status.js';
import { usernameProblem } from '../protocol/username.js';
import { backoffDelay, serverFullDelay } from './backoff.js';
import { SupInvalidArgumentError, SupStatusError, type SupCommand, type SupError } from './errors.js';
import {
  cannotConnect,
  closedAlready,
  closedBeforeAnswer,
  closedBeforeConnect,
  closedDuringLogin,
  connectionLost,
  connectTimedOut,
  deliveryUnknown,
  peerSilent,
  protocolViolation,
  queueFull,
  queueTimedOut,
  requestTimedOut,
  statusRefused,
  type Endpoint,
} from './failures.js';
import { Fifo } from './fifo.js';
import { MessageStream } from './message-stream.js';
import { resolveClientOptions, type ResolvedClientOptions, type SupClientOptions } from './options.js';
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

type RequestKind = Exclude<SupCommand, 'login'> | 'probe';

/** One request from the call until its status, whether queued, written or waiting to be resent. */
class PendingRequest {
  settled = false;
  written = false;
  resolve: (value: unknown) => void = noop;
  reject: (error: Error) => void = noop;

  constructor(
    readonly command: RequestKind,
    readonly frame: Buffer,
    /** The user it is about (recipient, queried user, own name), for error messages. */
    readonly subject: string,
    readonly createdAt: number,
  ) {}
}

/** One connection attempt and, once it succeeds, the connection it opened. */
interface Session {
  readonly abort: AbortController;
  readonly decoder: FrameDecoder;
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
// setTimeout fires at once for anything longer than this, so waits are cut to it (deadlines re-check on firing).
const MAX_TIMER_MS = 2_147_483_647;

/**
 * The reconnecting Sup client the CLI and the bot runtime share. Requests are pipelined
 * (written in order, matched to statuses first-in first-out) up to `maxInFlight`; while
 * offline they wait in a bounded queue; after a drop, unanswered ones are resent first.
 */
export class SupClient extends EventEmitter<SupClientEvents> {
  readonly #options: ResolvedClientOptions;
  readonly #endpoint: Endpoint;
  readonly #probeFrame: Buffer;
  // Holds requests that could not be written at once; concurrency 1 keeps them in call order.
  readonly #queue = new PQueue({ concurrency: 1 });
  readonly #inFlight = new Fifo<PendingRequest>();
  readonly #resend = new Fifo<PendingRequest>();
  readonly #unwritten = new Fifo<PendingRequest>();
  readonly #streams = new Set<MessageStream<SupMessage>>();
  #state: SupClientState = IDLE;
  #session: Session | undefined;
  #connection: TransportConnection | undefined;
  #online = false;
  #closed = false;
  #quitting = false;
  #quitPromise: Promise<void> | undefined;
  #connecting: Deferred | undefined;
  #attempts = 0;
  #lastError: SupError | undefined;
  #contactsFor: PendingRequest | undefined;
  #wake: Promise<void> | undefined;
  #wakeUp: (() => void) | undefined;
  #onlineAt = 0;
  #offlineSince = performance.now();
  #lastReceivedAt = 0;
  #probeSentAt: number | undefined;
  #connectTimer: NodeJS.Timeout | undefined;
  #retryTimer: NodeJS.Timeout | undefined;
  #deadlineTimer: NodeJS.Timeout | undefined;
  #watchdog: NodeJS.Timeout | undefined;

  constructor(options: SupClientOptions) {
    super();
    this.#options = resolveClientOptions(options);
    this.#endpoint = { host: this.#options.host, port: this.#options.port };
    this.#probeFrame = encodeClientFrame.contact(this.#options.username);
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
    if (this.#session === undefined && this.#retryTimer === undefined) this.#dial();
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
    if (!this.#online) {
      this.#stop(undefined, true);
      return Promise.resolve();
    }
    this.#quitting = true;
    const { username } = this.#options;
    const quitting = this.#submit<void>('quit', encodeClientFrame.quit(username), username);
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
    return this.#submit<T>(command, frame, subject);
  }

  #submit<T>(command: RequestKind, frame: Buffer, subject: string): Promise<T> {
    const { offlineQueueLimit } = this.#options;
    if (!this.#online && this.#resend.length + this.#unwritten.length >= offlineQueueLimit) {
      return Promise.reject(queueFull(this.#endpoint, command as SupCommand, offlineQueueLimit));
    }
    const request = new PendingRequest(command, frame, subject, performance.now());
    const promise = new Promise<T>((resolve, reject) => {
      request.resolve = resolve as (value: unknown) => void;
      request.reject = reject;
    });
    if (this.#queue.size === 0 && this.#queue.pending === 0 && this.#canWrite()) {
      this.#write(request);
    } else {
      this.#unwritten.push(request);
      void this.#queue.add(() => this.#writeInTurn(request));
    }
    if (this.#deadlineTimer === undefined) this.#armDeadlineTimer();
    return promise;
  }

  #canWrite(): boolean {
    return this.#online && this.#inFlight.length < this.#options.maxInFlight;
  }

  async #writeInTurn(request: PendingRequest): Promise<void> {
    while (!request.settled && !this.#canWrite()) await this.#writable();
    if (request.settled) return;
    // Tasks run in call order and expired requests leave from the head, so this is the head.
    this.#unwritten.shift();
    this.#write(request);
  }

  #write(request: PendingRequest): void {
    request.written = true;
    this.#inFlight.push(request);
    this.#connection!.write(request.frame);
  }

  /** Resolves at the next chance to write: a status freed the window, we came online, or requests expired. */
  #writable(): Promise<void> {
    this.#wake ??= new Promise((resolve) => {
      this.#wakeUp = resolve;
    });
    return this.#wake;
  }

  #pulse(): void {
    const wakeUp = this.#wakeUp;
    if (wakeUp === undefined) return;
    this.#wake = undefined;
    this.#wakeUp = undefined;
    wakeUp();
  }

  #fulfil(request: PendingRequest, value: unknown): void {
    request.settled = true;
    request.resolve(value);
  }

  #fail(request: PendingRequest, error: Error): void {
    request.settled = true;
    request.reject(error);
  }


  #dial(): void {
    this.#attempts++;
    const session: Session = {
      abort: new AbortController(),
      decoder: new FrameDecoder(),
      connection: undefined,
      loggedIn: false,
    };
    this.#session = session;
    const { connectTimeoutMs, transport } = this.#options;
    if (connectTimeoutMs !== Infinity) {
      this.#connectTimer = setTimeout(() => {
        this.#attemptFailed(session, connectTimedOut(this.#endpoint, connectTimeoutMs));
      }, Math.min(connectTimeoutMs, MAX_TIMER_MS));
    }
    const handlers: TransportHandlers = {
      data: (chunk) => {
        if (this.#session === session) this.#onData(session, chunk);
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
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    session.loggedIn = true;
    this.#connection = session.connection;
    const now = performance.now();
    this.#onlineAt = now;
    this.#lastReceivedAt = now;
    this.#probeSentAt = undefined;
    this.#lastError = undefined;
    // Unanswered at the drop, so they go first, in their original order, before anything newer.
    for (const request of this.#resend.drain()) {
      if (!request.settled) this.#write(request);
    }
    this.#online = true;
    this.#armWatchdog(this.#options.idleProbeMs);
    this.#restartDeadlineTimer();
    this.#setState(ONLINE);
    // Taken after the state event: a listener that closed the client has rejected it already.
    const connecting = this.#connecting;
    this.#connecting = undefined;
    connecting?.resolve();
    this.#pulse();
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
    const { reconnect, onReconnect } = this.#options;
    const stable = reconnect !== false && performance.now() - this.#onlineAt >= reconnect.stableAfterMs;
    this.#endSession();
    this.#lastError = error;
    if (reconnect === false || this.#quitting) {
      this.#stop(error, false);
      return;
    }
    for (const request of this.#inFlight.drain()) {
      if (request.settled || request.command === 'probe') continue;
      // A send cannot be repeated without risking a duplicate; queries can.
      if (request.command === 'send' && onReconnect === 'reject') {
        this.#fail(request, deliveryUnknown('send', request.subject, error));
      } else {
        this.#resend.push(request);
      }
    }
    this.#restartDeadlineTimer();
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
    const reconnect = this.#options.reconnect;
    if (reconnect === false) return;
    const serverFull = error instanceof SupStatusError && error.status === Status.ServerFull;
    const delayMs = serverFull ? serverFullDelay(this.#attempts, reconnect) : backoffDelay(this.#attempts, reconnect);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      this.#dial();
    }, delayMs);
    this.#setState({ type: 'backoff', attempt: this.#attempts, delayMs, lastError: error });
  }

  /** Drops the current attempt or connection, whatever its stage; requests are left to the caller. */
  #endSession(): void {
    const session = this.#session;
    if (session === undefined) return;
    this.#session = undefined;
    this.#connection = undefined;
    this.#online = false;
    this.#offlineSince = performance.now();
    this.#probeSentAt = undefined;
    this.#contactsFor = undefined;
    clearTimeout(this.#connectTimer);
    this.#connectTimer = undefined;
    clearTimeout(this.#watchdog);
    this.#watchdog = undefined;
    session.abort.abort();
    session.connection?.close();
  }

  /** The end: nothing reconnects after this, and every pending promise settles. */
  #stop(error: SupError | undefined, byUser: boolean): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#endSession();
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    this.#queue.clear();
    for (const list of [this.#inFlight, this.#resend, this.#unwritten]) {
      for (const request of list.drain()) this.#abandon(request, error, byUser);
    }
    // Lets a writer blocked on the window see its request settled and return.
    this.#pulse();
    const connecting = this.#connecting;
    this.#connecting = undefined;
    connecting?.reject(error ?? closedBeforeConnect());
    this.#setState(error ? { type: 'closed', lastError: error } : CLOSED);
    for (const stream of this.#streams) stream.end();
    this.#streams.clear();
  }

  #abandon(request: PendingRequest, error: SupError | undefined, byUser: boolean): void {
    if (request.settled || request.command === 'probe') return;
    if (byUser) {
      this.#fail(request, closedBeforeAnswer(request.command, request.written));
    } else if (request.command === 'quit') {
      // The connection is gone, so the server has logged us off all the same.
      this.#fulfil(request, undefined);
    } else if (error === undefined) {
      this.#fail(request, closedBeforeAnswer(request.command, request.written));
    } else if (request.written && request.command === 'send') {
      this.#fail(request, deliveryUnknown('send', request.subject, error));
    } else {
      this.#fail(request, error);
    }
  }


  #onData(session: Session, chunk: Buffer): void {
    this.#lastReceivedAt = performance.now();
    const frames = session.decoder.push(chunk);
    for (let i = 0; i < frames.length; i++) {
      // A frame before this one may have ended the session (a refused login, a violation, quit).
      if (this.#session !== session) return;
      const frame = frames[i]!;
      if (frame !== OVERSIZED_FRAME) this.#onFrame(session, frame);
    }
  }

  #onFrame(session: Session, bytes: Buffer): void {
    const frame = parseServerFrame(bytes);
    switch (frame.type) {
      case 'recv':
        this.#deliver(frame.from, frame.text);
        return;
      case 'status':
        if (this.#contactsFor !== undefined) {
          this.#violation(session, bytes, 'the contacts list was due right after its status');
        } else if (session.loggedIn) {
          this.#onStatus(session, frame.code, frame.text);
        } else {
          this.#onLoginStatus(session, frame.code, frame.text);
        }
        return;
      case 'contacts': {
        const request = this.#contactsFor;
        if (request === undefined) {
          this.#violation(session, bytes, "only a status was due (a contacts list follows only 'get contacts')");
          return;
        }
        this.#contactsFor = undefined;
        if (!request.settled) this.#fulfil(request, frame.usernames);
        return;
      }
      default:
        this.#violation(session, bytes, 'a status, contacts or recv frame was due');
    }
  }

  #onStatus(session: Session, code: string, text: string): void {
    const request = this.#inFlight.shift();
    if (request === undefined) {
      this.#violation(session, Buffer.from(`status ${code} ${text}`, 'latin1'), 'no request was waiting for a status');
      return;
    }
    this.#pulse();
    if (request.command === 'probe') {
      this.#probeSentAt = undefined;
      return;
    }
    if (request.settled) {
      // Timed out already, but its contacts frame still has to be taken off the stream.
      if (request.command === 'get contacts' && code === Status.Ok) this.#contactsFor = request;
      return;
    }
    switch (request.command) {
      case 'send':
        if (code === Status.Ok) this.#fulfil(request, undefined);
        else this.#fail(request, this.#refused(request, code, text));
        return;
      case 'contact':
        if (code === Status.Online) this.#fulfil(request, true);
        else if (code === Status.Offline) this.#fulfil(request, false);
        else this.#fail(request, this.#refused(request, code, text));
        return;
      case 'get contacts':
        if (code === Status.Ok) this.#contactsFor = request;
        else this.#fail(request, this.#refused(request, code, text));
        return;
      case 'quit':
        if (code === Status.Ok) this.#fulfil(request, undefined);
        else this.#fail(request, this.#refused(request, code, text));
        this.#stop(undefined, false);
        return;
    }
  }

  #refused(request: PendingRequest, code: string, text: string): SupStatusError {
    return statusRefused(this.#endpoint, request.command as SupCommand, request.subject, code, text);
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

  // One timer each for deadlines, liveness, connect and retry, never one per request: the hot path stays lean.

  #armDeadlineTimer(): void {
    const at = this.#nextDeadline();
    if (at === Infinity) return;
    const delay = Math.min(Math.max(0, Math.ceil(at - performance.now())), MAX_TIMER_MS);
    this.#deadlineTimer = setTimeout(this.#onDeadline, delay);
  }

  #restartDeadlineTimer(): void {
    clearTimeout(this.#deadlineTimer);
    this.#deadlineTimer = undefined;
    this.#armDeadlineTimer();
  }

  readonly #onDeadline = (): void => {
    this.#deadlineTimer = undefined;
    this.#expire(performance.now());
    this.#armDeadlineTimer();
  };

  /**
   * The earliest deadline of any pending request. In-flight requests are older than those
   * waiting, and both lists are in call order, so deadlines only grow along them.
   */
  #nextDeadline(): number {
    for (const request of this.#inFlight) {
      if (!request.settled && request.command !== 'probe') return request.createdAt + this.#options.requestTimeoutMs;
    }
    const waiting = this.#resend.peek() ?? this.#unwritten.peek();
    if (waiting === undefined) return Infinity;
    return Math.min(waiting.createdAt + this.#options.requestTimeoutMs, this.#queueDeadline(waiting));
  }

  #queueDeadline(request: PendingRequest): number {
    if (this.#online) return Infinity;
    return Math.max(request.createdAt, this.#offlineSince) + this.#options.offlineQueueTimeoutMs;
  }

  #expire(now: number): void {
    const { requestTimeoutMs, offlineQueueTimeoutMs } = this.#options;
    for (const request of this.#inFlight) {
      if (request.settled || request.command === 'probe') continue;
      // Everything after this one is younger, so still in time.
      if (request.createdAt + requestTimeoutMs > now) return;
      this.#fail(request, requestTimedOut(this.#endpoint, request.command as SupCommand, requestTimeoutMs, true));
    }
    let expired = false;
    for (const list of [this.#resend, this.#unwritten]) {
      for (let request = list.peek(); request !== undefined; request = list.peek()) {
        const overdue = request.createdAt + requestTimeoutMs <= now;
        if (!overdue && this.#queueDeadline(request) > now) break;
        list.shift();
        expired = true;
        const command = request.command as SupCommand;
        this.#fail(
          request,
          overdue
            ? requestTimedOut(this.#endpoint, command, requestTimeoutMs, request.written)
            : queueTimedOut(this.#endpoint, command, offlineQueueTimeoutMs, request.written),
        );
      }
      if (list.length > 0) break;
    }
    // The writer may be blocked on an expired request: let it move on.
    if (expired) this.#pulse();
  }

  #armWatchdog(delayMs: number): void {
    if (this.#options.idleProbeMs === 0) return;
    this.#watchdog = setTimeout(this.#checkLiveness, Math.min(Math.max(1, Math.ceil(delayMs)), MAX_TIMER_MS));
  }

  /** Probes after a quiet spell; with a probe out, silence past `probeTimeoutMs` means a dead peer. */
  readonly #checkLiveness = (): void => {
    this.#watchdog = undefined;
    const session = this.#session;
    if (session === undefined || !session.loggedIn) return;
    const { idleProbeMs, probeTimeoutMs, username } = this.#options;
    const now = performance.now();
    if (this.#probeSentAt === undefined) {
      const quietMs = now - this.#lastReceivedAt;
      if (quietMs < idleProbeMs) {
        this.#armWatchdog(idleProbeMs - quietMs);
        return;
      }
      this.#probeSentAt = now;
      // Straight to the wire, past the window: a full window is exactly when a stalled peer must be caught.
      this.#write(new PendingRequest('probe', this.#probeFrame, username, now));
      this.#armWatchdog(probeTimeoutMs);
      return;
    }
    const silentMs = now - Math.max(this.#probeSentAt, this.#lastReceivedAt);
    if (silentMs < probeTimeoutMs) {
      this.#armWatchdog(probeTimeoutMs - silentMs);
      return;
    }
    this.#connectionLost(session, peerSilent(this.#endpoint, now - this.#lastReceivedAt));
  };


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

function noop(): void {}

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
