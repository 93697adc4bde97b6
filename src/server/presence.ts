/**
 * Who is online, and which connection holds each name. Kept behind this interface so a
 * shared registry (several server processes) could replace the in-process map. A name
 * changes holder only through `claim` and `release`: the server relies on that to keep
 * routing to a holder it looked up before, for as long as that holder is online.
 */
export interface Presence<Holder> {
  /** Takes the name for `holder`; false when someone else holds it. */
  claim(name: string, holder: Holder): boolean;
  /** Frees the name, but only if `holder` is the one holding it. */
  release(name: string, holder: Holder): void;
  lookup(name: string): Holder | undefined;
  /** Online names in ascending byte order; the same array until presence changes. */
  sortedNames(): readonly string[];
  readonly size: number;
}

/** Presence for one server process: a Map, so routing costs O(1) in the number of users. */
export class LocalPresence<Holder> implements Presence<Holder> {
  readonly #holders = new Map<string, Holder>();
  #sorted: readonly string[] | undefined;

  claim(name: string, holder: Holder): boolean {
    if (this.#holders.has(name)) return false;
    this.#holders.set(name, holder);
    this.#sorted = undefined;
    return true;
  }

  release(name: string, holder: Holder): void {
    if (this.#holders.get(name) !== holder) return;
    this.#holders.delete(name);
    this.#sorted = undefined;
  }

  lookup(name: string): Holder | undefined {
    return this.#holders.get(name);
  }

  sortedNames(): readonly string[] {
    // Names are ASCII, so UTF-16 order is byte order.
    this.#sorted ??= [...this.#holders.keys()].sort();
    return this.#sorted;
  }

  get size(): number {
    return this.#holders.size;
  }
}
