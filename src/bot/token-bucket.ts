export interface TokenBucketOptions {
  /** Tokens the bucket holds when full: sends allowed back to back. */
  burst: number;
  /** Tokens added per second, up to `burst`. */
  perSecond: number;
}

// Refill arithmetic in floating point can land a hair under a whole token.
const EPSILON = 1e-9;

/**
 * A token bucket over an injected time scale: pure, no timers. p-queue's `intervalCap` is a
 * fixed window (2×burst can pass at a window edge) and its `strict` mode a sliding window
 * (after a burst, the next send waits a whole window instead of one token), so p-queue keeps
 * the order and the draining, and this decides when each send may go.
 */
export class TokenBucket {
  readonly #burst: number;
  readonly #perMs: number;
  #tokens: number;
  #updatedAt: number;

  constructor(options: TokenBucketOptions, now: number) {
    this.#burst = options.burst;
    this.#perMs = options.perSecond / 1000;
    this.#tokens = options.burst;
    this.#updatedAt = now;
  }

  /** Takes a token and returns 0 if one is available at `now`; else takes none and returns the ms to wait. */
  take(now: number): number {
    this.#refill(now);
    if (this.#tokens + EPSILON >= 1) {
      this.#tokens = Math.max(0, this.#tokens - 1);
      return 0;
    }
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.#perMs - 1e-6));
  }

  /** Tokens available at `now` (fractional while refilling). */
  available(now: number): number {
    this.#refill(now);
    return this.#tokens;
  }

  /** True when the bucket is back to its burst: forgetting it changes nothing. */
  isFull(now: number): boolean {
    return this.available(now) + EPSILON >= this.#burst;
  }

  #refill(now: number): void {
    const elapsed = now - this.#updatedAt;
    // A clock that steps back must not take tokens away.
    if (elapsed > 0) this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#perMs);
    this.#updatedAt = Math.max(this.#updatedAt, now);
  }
}
