/**
 * Open connections per remote address, so one address cannot take every connection the
 * server has. A connection counts from accept until its socket closes.
 */
export class AddressLimits {
  readonly #max: number;
  readonly #open = new Map<string, number>();

  /** `max` connections per address; 0 is no limit. */
  constructor(max: number) {
    this.#max = max;
  }

  get enabled(): boolean {
    return this.#max > 0;
  }

  /** Counts one more connection from `address`; false (and nothing counted) when it already has `max`. */
  admit(address: string): boolean {
    const open = this.#open.get(address) ?? 0;
    if (open >= this.#max) return false;
    this.#open.set(address, open + 1);
    return true;
  }

  /** One connection from `address` closed. */
  release(address: string): void {
    const open = this.#open.get(address) ?? 0;
    if (open <= 1) this.#open.delete(address);
    else this.#open.set(address, open - 1);
  }

  /** Connections open from `address`. */
  count(address: string): number {
    return this.#open.get(address) ?? 0;
  }
}
