import type { DeliverySink } from './cluster-link.js';

/** What a status queue writes to. */
export interface StatusOutput {
  write(bytes: Buffer): void;
}

/** A connection that may have statuses still awaited from other nodes. */
export interface OrderedOutput extends StatusOutput {
  statuses: StatusQueue | undefined;
}

/** Writes a status behind any still awaited on this connection (none, off a cluster). */
export function reply(connection: OrderedOutput, bytes: Buffer): void {
  const queue = connection.statuses;
  if (queue === undefined) connection.write(bytes);
  else queue.push(bytes);
}

/** The status each outcome of a remote send is answered with. */
export interface DeliveryAnswers {
  readonly delivered: Buffer;
  readonly notOnline: Buffer;
  readonly error: Buffer;
  /** Told each outcome as it is answered: what the server's counters need. */
  readonly tally?: (outcome: boolean | 'error') => void;
}

/**
 * The statuses of one connection while some are still awaited from other nodes: each
 * frame's slot is reserved in frame order and written once every slot before it is
 * filled, so a local answer never overtakes a remote send still in flight.
 */
export class StatusQueue implements DeliverySink {
  readonly #out: StatusOutput;
  readonly #answers: DeliveryAnswers;
  #slots: Array<Buffer | undefined> = [];
  #head = 0;
  // The ticket of #slots[0].
  #base = 0;
  #whenEmpty: Array<() => void> = [];

  constructor(out: StatusOutput, answers: DeliveryAnswers) {
    this.#out = out;
    this.#answers = answers;
  }

  get isEmpty(): boolean {
    return this.#head === this.#slots.length;
  }

  /** A slot for an answer still to come; fill it with `settle` or `fill`. */
  reserve(): number {
    this.#slots.push(undefined);
    return this.#base + this.#slots.length - 1;
  }

  /** An answer ready now: written at once if nothing is awaited before it. */
  push(bytes: Buffer): void {
    if (this.isEmpty) this.#out.write(bytes);
    else this.#slots.push(bytes);
  }

  fill(ticket: number, bytes: Buffer): void {
    const index = ticket - this.#base;
    if (index < this.#head || index >= this.#slots.length || this.#slots[index] !== undefined) return;
    this.#slots[index] = bytes;
    if (index === this.#head) this.#flush();
  }

  settle(ticket: number, outcome: boolean | 'error'): void {
    const answers = this.#answers;
    answers.tally?.(outcome);
    this.fill(ticket, outcome === 'error' ? answers.error : outcome ? answers.delivered : answers.notOnline);
  }

  /** Runs `then` once every reserved slot has been written (at once when none is awaited). */
  whenEmpty(then: () => void): void {
    if (this.isEmpty) then();
    else this.#whenEmpty.push(then);
  }

  #flush(): void {
    const slots = this.#slots;
    while (this.#head < slots.length) {
      const bytes = slots[this.#head];
      if (bytes === undefined) return;
      slots[this.#head++] = undefined;
      this.#out.write(bytes);
    }
    this.#base += slots.length;
    this.#slots = [];
    this.#head = 0;
    const waiting = this.#whenEmpty;
    this.#whenEmpty = [];
    for (const then of waiting) then();
  }
}
