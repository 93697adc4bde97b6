import { EventEmitter } from 'node:events';
import { SupClosedError, SupStatusError } from '../../../src/client/errors.js';
import type { BotClient, BotClientState } from '../../../src/bot/client-port.js';
import type { IncomingMessage } from '../../../src/bot/dispatcher.js';

interface PendingSend {
  to: string;
  text: string;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * A scripted stand-in for SupClient at the runtime's port: the test decides who is online,
 * delivers incoming messages, and can hold sends to observe what is in flight.
 */
export class ScriptedClient implements BotClient {
  readonly events = new EventEmitter();
  /** Every call, in order, e.g. 'connect', 'send alice hi', 'quit'. */
  readonly calls: string[] = [];
  readonly sent: Array<{ to: string; text: string }> = [];
  readonly offline = new Set<string>();
  /** While true, sends wait until `release()`. */
  holdSends = false;
  connectError: Error | undefined;
  /** While true, connect waits until `finishConnect()` (or rejects on close). */
  holdConnect = false;
  #connecting: { resolve: () => void; reject: (error: Error) => void } | undefined;
  #held: PendingSend[] = [];
  #closed = false;

  connect(): Promise<void> {
    this.calls.push('connect');
    this.events.emit('state', { type: 'connecting', attempt: 1 });
    if (this.connectError !== undefined) return Promise.reject(this.connectError);
    if (this.#closed) return Promise.reject(new SupClosedError('closed while connecting'));
    if (this.holdConnect) {
      return new Promise((resolve, reject) => {
        this.#connecting = { resolve, reject };
      });
    }
    return Promise.resolve();
  }

  finishConnect(): void {
    this.#connecting?.resolve();
    this.#connecting = undefined;
  }

  send(to: string, text: string): Promise<void> {
    this.calls.push(`send ${to} ${text}`);
    if (this.#closed) return Promise.reject(new SupClosedError('closed'));
    return new Promise((resolve, reject) => {
      const pending: PendingSend = { to, text, resolve, reject };
      if (this.holdSends) this.#held.push(pending);
      else this.#answer(pending);
    });
  }

  /** Answers held sends in order. */
  release(): void {
    this.holdSends = false;
    for (const pending of this.#held.splice(0)) this.#answer(pending);
  }

  get heldCount(): number {
    return this.#held.length;
  }

  on(event: 'message', listener: (message: IncomingMessage) => void): this;
  on(event: 'state', listener: (state: BotClientState) => void): this;
  on(event: string, listener: (value: never) => void): this {
    this.events.on(event, listener as (...args: unknown[]) => void);
    return this;
  }

  off(event: 'message', listener: (message: IncomingMessage) => void): this;
  off(event: 'state', listener: (state: BotClientState) => void): this;
  off(event: string, listener: (value: never) => void): this {
    this.events.off(event, listener as (...args: unknown[]) => void);
    return this;
  }

  quit(): Promise<void> {
    this.calls.push('quit');
    this.#closed = true;
    return Promise.resolve();
  }

  close(): void {
    this.calls.push('close');
    this.#closed = true;
    this.#connecting?.reject(new SupClosedError('closed while connecting'));
    this.#connecting = undefined;
    for (const pending of this.#held.splice(0)) pending.reject(new SupClosedError('closed'));
  }

  /** Delivers a message to the bot, as the server's `recv` would. */
  deliver(from: string, text: string): void {
    this.events.emit('message', { from, text, receivedAt: new Date() } satisfies IncomingMessage);
  }

  /** Texts sent to one user, in order. */
  textsTo(user: string): string[] {
    return this.sent.filter((s) => s.to === user).map((s) => s.text);
  }

  #answer(pending: PendingSend): void {
    if (this.offline.has(pending.to)) {
      pending.reject(new SupStatusError('send', '104', 'Messaged User Not Online', '104 Messaged User Not Online'));
      return;
    }
    this.sent.push({ to: pending.to, text: pending.text });
    pending.resolve();
  }
}
