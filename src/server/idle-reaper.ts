// Sweeps per timeout: a silent connection is closed between 1 and 1 + 1/SWEEPS timeouts after its last byte.
const SWEEPS = 8;

/** What the reaper needs of a connection. */
export interface ReapableConnection {
  /** The sweep count when it last sent anything; set by the connection as it reads. */
  seenInSweep: number;
  /** Only logged-in connections are reaped; the login timeout covers the rest. */
  readonly username: string | undefined;
  /** Already closing: nothing to reap. */
  readonly ending: boolean;
}

/**
 * Closes logged-in connections that have sent nothing for `timeoutMs`. Rather than a timer
 * per connection or a clock read per frame, one coarse sweep counts up and each read just
 * stamps the count: a connection whose stamp is more than SWEEPS behind has been silent long enough.
 */
export class IdleReaper<C extends ReapableConnection> {
  /** The current sweep count; connections stamp it on every read. */
  sweep = 0;
  readonly #connections: Iterable<C>;
  readonly #reap: (connection: C) => void;
  readonly #intervalMs: number;
  #timer: NodeJS.Timeout | undefined;

  /** `timeoutMs` 0 makes a reaper that never sweeps. */
  constructor(timeoutMs: number, connections: Iterable<C>, reap: (connection: C) => void) {
    this.#connections = connections;
    this.#reap = reap;
    this.#intervalMs = timeoutMs === 0 ? 0 : Math.max(1, Math.ceil(timeoutMs / SWEEPS));
  }

  /** Starts sweeping (a no-op when the timeout is 0 or it already runs). */
  start(): void {
    if (this.#intervalMs === 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(IdleReaper.#tick<C>, this.#intervalMs, this).unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  static #tick<C extends ReapableConnection>(reaper: IdleReaper<C>): void {
    // Counted in sweeps, not wall time: a stalled event loop delays the sweep, so it never reaps for the stall.
    const sweep = ++reaper.sweep;
    const silent: C[] = [];
    for (const connection of reaper.#connections) {
      if (connection.username !== undefined && !connection.ending && sweep - connection.seenInSweep > SWEEPS) silent.push(connection);
    }
    for (const connection of silent) reaper.#reap(connection);
  }
}
