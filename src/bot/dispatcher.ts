import PQueue from 'p-queue';
import type { Clock } from '../client/clock.js';
import { HandlerTimeoutError } from './errors.js';

/** A message as the client hands it over. */
export interface IncomingMessage {
  from: string;
  text: string;
  receivedAt: Date;
}

export interface DispatcherOptions {
  /** Senders handled at the same time. */
  concurrency: number;
  /** Messages one sender may have waiting; more are refused. */
  maxQueuedPerSender: number;
  /** Bytes all waiting messages may take together (see `queuedBytesOf`); more are refused. */
  maxQueuedBytes: number;
  handlerTimeoutMs: number;
  clock: Clock;
  /** Handles one message; must not reject (the runtime isolates errors itself). */
  handle(message: IncomingMessage, signal: AbortSignal): Promise<void>;
  /** Called when a message's handling overran its timeout and was abandoned. */
  timedOut(message: IncomingMessage, error: HandlerTimeoutError): void;
}

interface Running {
  controller: AbortController;
}

/** Why `push` refused a message. */
export type PushOutcome = 'accepted' | 'stopped' | 'full' | 'over-budget';

// What a queued message costs beyond its text and sender: the object, its Date, the queue slot.
const MESSAGE_OVERHEAD_BYTES = 128;

/** What one waiting message counts against `maxQueuedBytes` (texts are ASCII: a char is a byte). */
export function queuedBytesOf(message: IncomingMessage): number {
  return message.text.length + message.from.length + MESSAGE_OVERHEAD_BYTES;
}

/**
 * The ordering contract: one sender's messages are handled one at a time, in arrival order;
 * different senders run concurrently up to `concurrency` (a p-queue of "next message of sender
 * X" turns, requeued at the back, so a chatty sender cannot starve the others). `push` never
 * waits, so the socket reader never waits on handlers.
 */
export class Dispatcher {
  readonly #options: DispatcherOptions;
  readonly #turns: PQueue;
  /** Messages not yet started, per sender; a sender is here while it has a turn queued or running. */
  readonly #waiting = new Map<string, IncomingMessage[]>();
  readonly #running = new Set<Running>();
  #abandoned = 0;
  #accepting = true;
  #queued = 0;
  #queuedBytes = 0;

  constructor(options: DispatcherOptions) {
    this.#options = options;
    this.#turns = new PQueue({ concurrency: options.concurrency });
  }

  /** Messages received and not yet started. */
  get queued(): number {
    return this.#queued;
  }

  /** Bytes the waiting messages count against `maxQueuedBytes`. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  /** Handlers running now (abandoned ones not counted). */
  get running(): number {
    return this.#running.size;
  }

  /** Handlers given up on (timeout or shutdown) that have not settled yet. */
  get abandoned(): number {
    return this.#abandoned;
  }

  /**
   * Takes a message, or refuses it: 'stopped' once the dispatcher no longer accepts any,
   * 'full' when its sender already has `maxQueuedPerSender` messages waiting, 'over-budget'
   * when it would take the waiting messages past `maxQueuedBytes`. Never waits.
   */
  push(message: IncomingMessage): PushOutcome {
    if (!this.#accepting) return 'stopped';
    const waiting = this.#waiting.get(message.from);
    if (waiting !== undefined && waiting.length >= this.#options.maxQueuedPerSender) return 'full';
    const bytes = queuedBytesOf(message);
    if (this.#queuedBytes + bytes > this.#options.maxQueuedBytes) return 'over-budget';
    this.#queued++;
    this.#queuedBytes += bytes;
    if (waiting !== undefined) {
      waiting.push(message);
      return 'accepted';
    }
    this.#waiting.set(message.from, [message]);
    this.#schedule(message.from);
    return 'accepted';
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    return this.#turns.onIdle();
  }

  /** Stops taking messages and drops those not yet started; returns how many were dropped, per sender. */
  stopAccepting(): Map<string, number> {
    this.#accepting = false;
    const dropped = new Map<string, number>();
    for (const [sender, waiting] of this.#waiting) {
      if (waiting.length > 0) dropped.set(sender, waiting.length);
      waiting.length = 0;
    }
    this.#queued = 0;
    this.#queuedBytes = 0;
    return dropped;
  }

  /** Aborts every running handler's signal and stops waiting for them; returns how many. */
  abandonRunning(reason: unknown): number {
    const count = this.#running.size;
    for (const running of this.#running) running.controller.abort(reason);
    return count;
  }

  #schedule(sender: string): void {
    // Rejections cannot happen: #turn catches everything.
    void this.#turns.add(() => this.#turn(sender));
  }

  async #turn(sender: string): Promise<void> {
    const waiting = this.#waiting.get(sender);
    const message = waiting?.shift();
    if (waiting === undefined || message === undefined) {
      this.#waiting.delete(sender);
      return;
    }
    this.#queued--;
    this.#queuedBytes -= queuedBytesOf(message);
    await this.#run(message);
    if (waiting.length > 0) this.#schedule(sender);
    else this.#waiting.delete(sender);
  }

  async #run(message: IncomingMessage): Promise<void> {
    const controller = new AbortController();
    const running: Running = { controller };
    this.#running.add(running);
    const timer = new AbortController();
    const handled = this.#options.handle(message, controller.signal).catch(() => {});
    const stopped = new Promise<'aborted'>((resolve) => {
      controller.signal.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    const timeout = this.#options.clock.sleep(this.#options.handlerTimeoutMs, timer.signal).then(() => 'timeout' as const);
    try {
      const outcome = await Promise.race([handled.then(() => 'done' as const), timeout, stopped]);
      if (outcome === 'done') return;
      this.#abandoned++;
      void handled.finally(() => this.#abandoned--);
      if (outcome === 'timeout' && !controller.signal.aborted) {
        const error = new HandlerTimeoutError(this.#options.handlerTimeoutMs);
        controller.abort(error);
        this.#options.timedOut(message, error);
      }
    } finally {
      timer.abort();
      this.#running.delete(running);
    }
  }
}
