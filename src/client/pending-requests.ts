import { Status } from '../protocol/status.js';
import { startTimer, type CancelTimer, type Clock } from './clock.js';
import type { SupCommand, SupError } from './errors.js';
import {
  closedBeforeAnswer,
  deliveryUnknown,
  queueFull,
  queueTimedOut,
  requestTimedOut,
  statusRefused,
  type Endpoint,
} from './failures.js';
import { Fifo } from './fifo.js';
import type { OnReconnect } from './options.js';
import type { TransportConnection } from './transport.js';

export type RequestKind = Exclude<SupCommand, 'login'> | 'probe';

/** One request from the call until its status, whether queued, written or waiting to be resent. */
export class PendingRequest {
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

export interface PendingRequestsOptions {
  readonly endpoint: Endpoint;
  readonly clock: Clock;
  readonly maxInFlight: number;
  readonly offlineQueueLimit: number;
  readonly requestTimeoutMs: number;
  readonly offlineQueueTimeoutMs: number;
}

/**
 * Every request between its call and its status: written in call order while the window
 * (`maxInFlight`) has room, matched to statuses first-in first-out, held in a bounded queue
 * while offline, resent first after a drop, and failed when its deadline passes.
 */
export class PendingRequests {
  readonly #options: PendingRequestsOptions;
  readonly #inFlight = new Fifo<PendingRequest>();
  readonly #resend = new Fifo<PendingRequest>();
  readonly #unwritten = new Fifo<PendingRequest>();
  #connection: TransportConnection | undefined;
  #offlineSince: number;
  #contactsFor: PendingRequest | undefined;
  #writtenCount = 0;
  // One timer for every deadline, never one per request: the hot path stays lean.
  #cancelDeadline: CancelTimer | undefined;

  constructor(options: PendingRequestsOptions) {
    this.#options = options;
    this.#offlineSince = options.clock.now();
  }

  /** Frames written so far, probes included: how the liveness probe tells that the client has spoken lately. */
  get writtenCount(): number {
    return this.#writtenCount;
  }

  /** True when a `get contacts` was answered `000` and its contacts frame is the next one due. */
  get contactsDue(): boolean {
    return this.#contactsFor !== undefined;
  }

  /** A new request: written at once when online with room in the window, else queued in call order. */
  add<T>(command: RequestKind, frame: Buffer, subject: string): Promise<T> {
    const { offlineQueueLimit, endpoint, clock } = this.#options;
    if (this.#connection === undefined && this.#resend.length + this.#unwritten.length >= offlineQueueLimit) {
      return Promise.reject(queueFull(endpoint, command as SupCommand, offlineQueueLimit));
    }
    const request = new PendingRequest(command, frame, subject, clock.now());
    const promise = new Promise<T>((resolve, reject) => {
      request.resolve = resolve as (value: unknown) => void;
      request.reject = reject;
    });
    if (this.#unwritten.length === 0 && this.#canWrite()) this.#write(request);
    else this.#unwritten.push(request);
    if (this.#cancelDeadline === undefined) this.#armDeadlineTimer();
    return promise;
  }

  /** Writes `frame` straight to the wire, past the window: a full window is exactly when a stalled peer must be caught. */
  probe(frame: Buffer, subject: string): void {
    this.#write(new PendingRequest('probe', frame, subject, this.#options.clock.now()));
  }

  /** Logged in on `connection`: those unanswered at the drop go first, in their order, then the queue. */
  online(connection: TransportConnection): void {
    for (const request of this.#resend.drain()) {
      if (!request.settled) this.#writeOn(connection, request);
    }
    this.#connection = connection;
    this.#restartDeadlineTimer();
    this.#pump();
  }

  /** The attempt or connection ended: nothing is written until `online` again. */
  offline(): void {
    this.#connection = undefined;
    this.#offlineSince = this.#options.clock.now();
    this.#contactsFor = undefined;
  }

  /** The connection dropped: unanswered requests wait to be resent, or a send fails when it may not be repeated. */
  dropped(error: SupError, onReconnect: OnReconnect): void {
    for (const request of this.#inFlight.drain()) {
      if (request.settled || request.command === 'probe') continue;
      // A send cannot be repeated without risking a duplicate; queries can.
      if (request.command === 'send' && onReconnect === 'reject') {
        fail(request, deliveryUnknown('send', request.subject, error));
      } else {
        this.#resend.push(request);
      }
    }
    this.#restartDeadlineTimer();
  }

  /**
   * Matches a status to the oldest request in flight and settles it; returns that request, or
   * undefined when none was waiting (a protocol violation).
   */
  answer(code: string, text: string): PendingRequest | undefined {
    const request = this.#inFlight.shift();
    if (request === undefined) return undefined;
    this.#pump();
    if (request.command === 'probe') return request;
    if (request.settled) {
      // Timed out already, but its contacts frame still has to be taken off the stream.
      if (request.command === 'get contacts' && code === Status.Ok) this.#contactsFor = request;
      return request;
    }
    switch (request.command) {
      case 'send':
      case 'quit':
        if (code === Status.Ok) fulfil(request, undefined);
        else fail(request, this.#refused(request, code, text));
        break;
      case 'contact':
        if (code === Status.Online) fulfil(request, true);
        else if (code === Status.Offline) fulfil(request, false);
        else fail(request, this.#refused(request, code, text));
        break;
      case 'get contacts':
        if (code === Status.Ok) this.#contactsFor = request;
        else fail(request, this.#refused(request, code, text));
        break;
    }
    return request;
  }

  /** The contacts frame due after a `000`; false when none was due (a protocol violation). */
  answerContacts(usernames: string[]): boolean {
    const request = this.#contactsFor;
    if (request === undefined) return false;
    this.#contactsFor = undefined;
    if (!request.settled) fulfil(request, usernames);
    return true;
  }

  /**
   * The client is done: every request settles. `error` is why it stopped (none for close or
   * quit); `byUser` when `close()` or `quit()` ended it.
   */
  settleAll(error: SupError | undefined, byUser: boolean): void {
    this.#cancelDeadline?.();
    this.#cancelDeadline = undefined;
    for (const list of [this.#inFlight, this.#resend, this.#unwritten]) {
      for (const request of list.drain()) abandon(request, error, byUser);
    }
  }

  #canWrite(): boolean {
    return this.#connection !== undefined && this.#inFlight.length < this.#options.maxInFlight;
  }

  /** Writes waiting requests, oldest first, while the window has room. */
  #pump(): void {
    while (this.#unwritten.length > 0 && this.#canWrite()) {
      const request = this.#unwritten.shift()!;
      if (!request.settled) this.#write(request);
    }
  }

  #write(request: PendingRequest): void {
    this.#writeOn(this.#connection!, request);
  }

  #writeOn(connection: TransportConnection, request: PendingRequest): void {
    request.written = true;
    this.#writtenCount++;
    this.#inFlight.push(request);
    connection.write(request.frame);
  }

  #refused(request: PendingRequest, code: string, text: string): SupError {
    return statusRefused(this.#options.endpoint, request.command as SupCommand, request.subject, code, text);
  }

  #armDeadlineTimer(): void {
    const at = this.#nextDeadline();
    if (at === Infinity) return;
    const { clock } = this.#options;
    this.#cancelDeadline = startTimer(clock, Math.max(0, Math.ceil(at - clock.now())), this.#onDeadline);
  }

  #restartDeadlineTimer(): void {
    this.#cancelDeadline?.();
    this.#cancelDeadline = undefined;
    this.#armDeadlineTimer();
  }

  readonly #onDeadline = (): void => {
    this.#cancelDeadline = undefined;
    this.#expire(this.#options.clock.now());
    this.#armDeadlineTimer();
  };

  /**
   * The earliest deadline of any pending request. In-flight requests are older than those
   * waiting, and both lists are in call order, so deadlines only grow along them.
   */
  #nextDeadline(): number {
    const { requestTimeoutMs } = this.#options;
    for (const request of this.#inFlight) {
      if (!request.settled && request.command !== 'probe') return request.createdAt + requestTimeoutMs;
    }
    const waiting = this.#resend.peek() ?? this.#unwritten.peek();
    if (waiting === undefined) return Infinity;
    return Math.min(waiting.createdAt + requestTimeoutMs, this.#queueDeadline(waiting));
  }

  #queueDeadline(request: PendingRequest): number {
    if (this.#connection !== undefined) return Infinity;
    return Math.max(request.createdAt, this.#offlineSince) + this.#options.offlineQueueTimeoutMs;
  }

  #expire(now: number): void {
    const { requestTimeoutMs, offlineQueueTimeoutMs, endpoint } = this.#options;
    for (const request of this.#inFlight) {
      if (request.settled || request.command === 'probe') continue;
      // Everything after this one is younger, so still in time.
      if (request.createdAt + requestTimeoutMs > now) return;
      fail(request, requestTimedOut(endpoint, request.command as SupCommand, requestTimeoutMs, true));
    }
    let expired = false;
    for (const list of [this.#resend, this.#unwritten]) {
      for (let request = list.peek(); request !== undefined; request = list.peek()) {
        const overdue = request.createdAt + requestTimeoutMs <= now;
        if (!overdue && this.#queueDeadline(request) > now) break;
        list.shift();
        expired = true;
        const command = request.command as SupCommand;
        fail(
          request,
          overdue
            ? requestTimedOut(endpoint, command, requestTimeoutMs, request.written)
            : queueTimedOut(endpoint, command, offlineQueueTimeoutMs, request.written),
        );
      }
      if (list.length > 0) break;
    }
    // Expired requests may have been in the way of writable ones.
    if (expired) this.#pump();
  }
}

function noop(): void {}

function fulfil(request: PendingRequest, value: unknown): void {
  request.settled = true;
  request.resolve(value);
}

function fail(request: PendingRequest, error: Error): void {
  request.settled = true;
  request.reject(error);
}

function abandon(request: PendingRequest, error: SupError | undefined, byUser: boolean): void {
  if (request.settled || request.command === 'probe') return;
  if (byUser) {
    fail(request, closedBeforeAnswer(request.command, request.written));
  } else if (request.command === 'quit') {
    // The connection is gone, so the server has logged us off all the same.
    fulfil(request, undefined);
  } else if (error === undefined) {
    fail(request, closedBeforeAnswer(request.command, request.written));
  } else if (request.written && request.command === 'send') {
    fail(request, deliveryUnknown('send', request.subject, error));
  } else {
    fail(request, error);
  }
}
