import PQueue from 'p-queue';
import { messageProblem } from '../protocol/message-text.js';
import { usernameProblem } from '../protocol/username.js';
import type { Clock } from '../client/clock.js';
import { BotErrorCode, BotSendError } from './errors.js';
import type { BotLogger } from './logger.js';
import { LoopGuard, type LoopGuardOptions } from './loop-guard.js';
import type { SendOutcome } from './plugin.js';
import { TokenBucket, type TokenBucketOptions } from './token-bucket.js';

export interface OutboxOptions {
  rate: TokenBucketOptions;
  loopGuard: LoopGuardOptions;
  clock: Clock;
  logger: BotLogger;
  /** Hands one message to the client; resolves on 000. */
  transmit(to: string, text: string): Promise<unknown>;
  /** True when `transmit` failed because the recipient is offline (104). */
  isOffline(error: unknown): boolean;
  /** Longest client frame the server accepts. @default 16384 */
  maxFrameBytes?: number;
}

interface Recipient {
  queue: PQueue;
  bucket: TokenBucket;
  /** Wakes this recipient's pacing sleep on abort; one per recipient, so no signal gathers hundreds of listeners. */
  pacing: AbortController;
}

// Above this many idle recipients, forgotten buckets are swept when a new one is made.
const SWEEP_THRESHOLD = 256;

/**
 * Everything the bot sends: per recipient a strictly ordered p-queue (one message in flight,
 * so order holds end to end) paced by a token bucket, behind a loop guard. The client below
 * does the queueing across reconnects; this only decides what may go and when.
 */
export class Outbox {
  readonly #options: OutboxOptions;
  readonly #guard: LoopGuard;
  readonly #recipients = new Map<string, Recipient>();
  readonly #stop = new AbortController();
  #outstanding = 0;
  #idleWaiters: Array<() => void> = [];
  #started = false;

  constructor(options: OutboxOptions) {
    this.#options = options;
    this.#guard = new LoopGuard(options.loopGuard);
  }

  /** Messages accepted and not yet settled (waiting, pacing or in flight). */
  get outstanding(): number {
    return this.#outstanding;
  }

  /** Lets queued messages go (they wait until the client is first connected). */
  start(): void {
    if (this.#started) return;
    this.#started = true;
    for (const recipient of this.#recipients.values()) recipient.queue.start();
  }

  /**
   * Queues `text` for `to`. Rejects at once if the text or name cannot travel; resolves
   * `'held'` if the loop guard holds it back; otherwise settles with the server's answer.
   */
  send(to: string, text: string, fields: Record<string, unknown> = {}): Promise<SendOutcome> {
    const recipientProblem = usernameProblem(to);
    if (recipientProblem !== undefined) {
      return Promise.reject(
        new BotSendError(BotErrorCode.InvalidRecipient, `cannot send to ${JSON.stringify(to)}: ${recipientProblem}`),
      );
    }
    const textProblem = messageProblem(to, text, this.#options.maxFrameBytes);
    if (textProblem !== undefined) {
      return Promise.reject(new BotSendError(BotErrorCode.InvalidMessage, `cannot send to ${to}: ${textProblem}`));
    }
    if (this.#stop.signal.aborted) return Promise.reject(stoppedError(to));
    const verdict = this.#guard.admit(to, text, this.#options.clock.now());
    if (!verdict.admitted) {
      if (verdict.firstHeld) {
        this.#options.logger.warn('loop-guard', {
          ...fields,
          to,
          text,
          count: verdict.count,
          windowMs: this.#options.loopGuard.windowMs,
        });
      }
      return Promise.resolve('held');
    }
    const recipient = this.#recipient(to);
    this.#outstanding++;
    return recipient.queue
      .add(() => this.#deliver(recipient, to, text))
      .finally(() => this.#settled());
  }

  /** Resolves once nothing is waiting, pacing or in flight. */
  idle(): Promise<void> {
    if (this.#outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /**
   * Gives up on what has not gone yet: waiting and pacing messages reject with
   * `SUP_BOT_STOPPED`; one already handed to the client settles with the client's answer.
   */
  abort(): void {
    this.#stop.abort();
    for (const recipient of this.#recipients.values()) recipient.pacing.abort();
    this.start();
  }

  async #deliver(recipient: Recipient, to: string, text: string): Promise<SendOutcome> {
    const { clock } = this.#options;
    for (;;) {
      if (this.#stop.signal.aborted) throw stoppedError(to);
      const wait = recipient.bucket.take(clock.now());
      if (wait === 0) break;
      await clock.sleep(wait, recipient.pacing.signal);
    }
    try {
      await this.#options.transmit(to, text);
      return 'delivered';
    } catch (error) {
      if (this.#options.isOffline(error)) return 'offline';
      throw error;
    }
  }

  #recipient(to: string): Recipient {
    const known = this.#recipients.get(to);
    if (known !== undefined) return known;
    if (this.#recipients.size >= SWEEP_THRESHOLD) this.#sweep();
    const recipient: Recipient = {
      queue: new PQueue({ concurrency: 1, autoStart: this.#started }),
      bucket: new TokenBucket(this.#options.rate, this.#options.clock.now()),
      pacing: new AbortController(),
    };
    // A recipient whose bucket has refilled is forgotten, so months of new names cost nothing.
    recipient.queue.on('idle', () => {
      if (this.#recipients.get(to) === recipient && recipient.bucket.isFull(this.#options.clock.now())) {
        this.#recipients.delete(to);
      }
    });
    this.#recipients.set(to, recipient);
    return recipient;
  }

  #settled(): void {
    this.#outstanding--;
    if (this.#outstanding === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #sweep(): void {
    const now = this.#options.clock.now();
    for (const [to, recipient] of this.#recipients) {
      if (isIdle(recipient) && recipient.bucket.isFull(now)) this.#recipients.delete(to);
    }
  }
}

function isIdle(recipient: Recipient): boolean {
  return recipient.queue.size === 0 && recipient.queue.pending === 0;
}

function stoppedError(to: string): BotSendError {
  return new BotSendError(BotErrorCode.Stopped, `the bot stopped before the message to ${to} could be sent`);
}
