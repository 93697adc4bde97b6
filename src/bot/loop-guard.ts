export interface LoopGuardOptions {
  /** Sends of one text to one recipient allowed within the window. */
  max: number;
  windowMs: number;
}

export interface LoopGuardVerdict {
  admitted: boolean;
  /** Admitted sends of this text to this recipient within the window, this one included. */
  count: number;
  /** True for the first held-back send since the last admitted one: log it, not every repeat. */
  firstHeld: boolean;
}

interface Track {
  times: number[];
  holding: boolean;
}

/**
 * Holds back the same text to the same recipient past `max` times in a sliding window, so two
 * bots answering each other (or a bot and itself) cannot loop forever. Pure: time is passed in.
 */
export class LoopGuard {
  readonly #max: number;
  readonly #windowMs: number;
  readonly #tracks = new Map<string, Track>();
  #sweptAt = Number.NEGATIVE_INFINITY;

  constructor(options: LoopGuardOptions) {
    this.#max = options.max;
    this.#windowMs = options.windowMs;
  }

  /** Records an attempt to send `text` to `to` at `now` and says whether it may go. */
  admit(to: string, text: string, now: number): LoopGuardVerdict {
    this.#sweep(now);
    // NUL cannot appear in a username, so the key is unambiguous.
    const key = `${to}\u0000${text}`;
    let track = this.#tracks.get(key);
    if (track === undefined) {
      track = { times: [], holding: false };
      this.#tracks.set(key, track);
    }
    const since = now - this.#windowMs;
    while (track.times.length > 0 && track.times[0]! <= since) track.times.shift();
    if (track.times.length >= this.#max) {
      const firstHeld = !track.holding;
      track.holding = true;
      return { admitted: false, count: track.times.length, firstHeld };
    }
    track.times.push(now);
    track.holding = false;
    return { admitted: true, count: track.times.length, firstHeld: false };
  }

  /** Texts being tracked; bounded by what was sent within one window. */
  get size(): number {
    return this.#tracks.size;
  }

  #sweep(now: number): void {
    if (now - this.#sweptAt < this.#windowMs) return;
    this.#sweptAt = now;
    const since = now - this.#windowMs;
    for (const [key, track] of this.#tracks) {
      const newest = track.times[track.times.length - 1];
      if (newest === undefined || newest <= since) this.#tracks.delete(key);
    }
  }
}
