/** What the budget needs of a connection: its socket's queue, and the share it was last counted for. */
export interface BudgetedConnection {
  /** Bytes of this connection counted in the budget's total; the budget's own to change. */
  budgeted: number;
  /** Bytes its socket holds that the kernel has not taken yet. */
  readonly queuedBytes: number;
}

/**
 * The unsent output of all connections together, against one ceiling. A connection is
 * counted when it writes and its socket keeps part of it; sockets drain without telling, so
 * the total can run high, and is recounted from the sockets before anyone is cut off.
 */
export class OutputBudget<C extends BudgetedConnection> {
  readonly limit: number;
  readonly #cutOff: (connection: C) => void;
  // Only the connections counted above zero: recounting walks these, not every connection.
  readonly #behind = new Set<C>();
  #total = 0;

  constructor(limit: number, cutOff: (connection: C) => void) {
    this.limit = limit;
    this.#cutOff = cutOff;
  }

  /** The unsent bytes counted across all connections (may run high until the next recount). */
  get total(): number {
    return this.#total;
  }

  /** After a write: `connection`'s socket now holds `queued` bytes. Cuts off the largest while over the limit. */
  update(connection: C, queued: number): void {
    this.#set(connection, queued);
    if (this.#total > this.limit) this.#enforce();
  }

  /** Stops counting a connection that has closed. */
  forget(connection: C): void {
    this.#set(connection, 0);
  }

  #set(connection: C, queued: number): void {
    this.#total += queued - connection.budgeted;
    connection.budgeted = queued;
    if (queued === 0) this.#behind.delete(connection);
    else this.#behind.add(connection);
  }

  #enforce(): void {
    while (true) {
      let largest: C | undefined;
      for (const connection of this.#behind) {
        this.#set(connection, connection.queuedBytes);
        if (connection.budgeted > (largest?.budgeted ?? 0)) largest = connection;
      }
      if (this.#total <= this.limit || largest === undefined) return;
      this.#set(largest, 0);
      this.#cutOff(largest);
    }
  }
}
