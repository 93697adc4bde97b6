import { SupClient, type SupClientState, type SupMessage } from '../client/sup-client.js';
import type { Transport } from '../client/transport.js';

export interface ScriptedUserOptions {
  name: string;
  /** The bot's username: `send` and `ask` talk to it. */
  botName: string;
  port: number;
  host: string;
  /** How long `receive` waits before failing. */
  receiveTimeoutMs: number;
  transport?: Transport;
  /** Checked while waiting, so a bot error fails a `receive` at once instead of after its timeout. */
  failure(): Error | undefined;
  /** Sends the bot and settles everything in flight (the kit's `idle`). */
  idle(): Promise<void>;
  /** Tells the kit a send started, so `idle` waits for it. */
  track(sending: Promise<unknown>): void;
}

interface Waiter {
  resolve: (message: SupMessage) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

/**
 * A person in a test: a real client logged in to the test server that sends to the bot and
 * keeps everything it receives. Unread messages are taken in order by `receive`, `take` and
 * `ask`; `received` keeps them all.
 */
export class ScriptedUser {
  readonly name: string;
  readonly client: SupClient;
  readonly #options: ScriptedUserOptions;
  readonly #received: SupMessage[] = [];
  #readIndex = 0;
  #waiters: Waiter[] = [];
  readonly #connected: Promise<void>;

  constructor(options: ScriptedUserOptions) {
    this.name = options.name;
    this.#options = options;
    this.client = new SupClient({
      host: options.host,
      port: options.port,
      username: options.name,
      // Fast, so a test that restarts the server does not wait long for its users.
      reconnect: { initialDelayMs: 10, maxDelayMs: 100 },
      ...(options.transport === undefined ? {} : { transport: options.transport }),
    });
    this.client.on('message', (message) => this.#onMessage(message));
    this.#connected = this.client.connect();
    // A failed login surfaces from `online()` and from every send; it must not go unhandled here.
    this.#connected.catch(() => {});
  }

  /** Every message received so far, read or not. */
  get received(): readonly SupMessage[] {
    return this.#received;
  }

  /** Resolves once logged in (again, after a server restart). */
  async online(): Promise<void> {
    await this.#connected;
    if (this.client.state.type === 'online') return;
    await new Promise<void>((resolve, reject) => {
      const onState = (state: SupClientState): void => {
        if (state.type === 'online') {
          this.client.off('state', onState);
          resolve();
        } else if (state.type === 'closed') {
          this.client.off('state', onState);
          reject(state.lastError ?? new Error(`${this.name} was closed before coming back online`));
        }
      };
      this.client.on('state', onState);
    });
  }

  /** Sends `text` to the bot; resolves once the server accepted it (000). */
  send(text: string): Promise<void> {
    return this.sendTo(this.#options.botName, text);
  }

  /** Sends `text` to any user. */
  sendTo(to: string, text: string): Promise<void> {
    const sending = this.#connected.then(() => this.client.send(to, text));
    this.#options.track(sending);
    return sending;
  }

  /**
   * Sends `text` to the bot, waits until the bot has nothing left to do, and returns the texts
   * this user received meanwhile (from anyone), marking them read. Messages still unread from
   * before are marked read first and left out (they stay in `received`).
   */
  async ask(text: string): Promise<string[]> {
    this.take();
    await this.send(text);
    await this.#options.idle();
    return this.take().map((message) => message.text);
  }

  /** The next unread message, waiting for it if need be (event-driven, bounded by the kit's timeout). */
  receive(options: { timeoutMs?: number } = {}): Promise<SupMessage> {
    const unread = this.#received[this.#readIndex];
    if (unread !== undefined) {
      this.#readIndex++;
      return Promise.resolve(unread);
    }
    const failure = this.#options.failure();
    if (failure !== undefined) return Promise.reject(failure);
    const timeoutMs = options.timeoutMs ?? this.#options.receiveTimeoutMs;
    const received = new Promise<SupMessage>((resolve, reject) => {
      const waiter: Waiter = {
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          const got = this.#received.map((m) => `<${m.from}> ${m.text}`).join(' | ') || 'nothing';
          reject(new Error(`${this.name} received no new message within ${timeoutMs} ms (all received so far: ${got})`));
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
    // Tests often start waiting before they send; a failure before the await must not go unhandled.
    received.catch(() => {});
    return received;
  }

  /** Every unread message, marked read. */
  take(): SupMessage[] {
    const unread = this.#received.slice(this.#readIndex);
    this.#readIndex = this.#received.length;
    return unread;
  }

  /** Logs off (the user goes offline for good); later sends to this name get 104. */
  async leave(): Promise<void> {
    this.#failWaiters(new Error(`${this.name} left while waiting for a message`));
    await this.client.quit().catch(() => this.client.close());
  }

  /** Rejects pending `receive` calls, e.g. because the bot logged an error; false if none was waiting. */
  fail(error: Error): boolean {
    return this.#failWaiters(error);
  }

  /** Closes at once; used by the kit on cleanup. */
  close(): void {
    this.#failWaiters(new Error(`the test bot was closed while ${this.name} was waiting for a message`));
    this.client.close();
  }

  #onMessage(message: SupMessage): void {
    this.#received.push(message);
    const waiter = this.#waiters.shift();
    if (waiter === undefined) return;
    clearTimeout(waiter.timer);
    this.#readIndex++;
    waiter.resolve(message);
  }

  #failWaiters(error: Error): boolean {
    const waiters = this.#waiters.splice(0);
    for (const waiter of waiters) {
      clearTimeout(waiter.timer);
      waiter.reject(error);
    }
    return waiters.length > 0;
  }
}
