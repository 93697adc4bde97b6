export interface Holding {
  readonly node: string;
  /** The KV revision of the claim: a delete at this revision frees exactly this claim. */
  readonly revision: number;
}

/** This node's copy of who holds which name, fed by a KV watch; a cache for routing, never the authority. */
export class NameMirror {
  readonly #holdings = new Map<string, Holding>();
  readonly #byNode = new Map<string, Set<string>>();

  get(name: string): Holding | undefined {
    return this.#holdings.get(name);
  }

  /** A claim (`node` given) or a release seen at `revision`; older news than what is held is ignored. */
  apply(name: string, node: string | undefined, revision: number): void {
    const current = this.#holdings.get(name);
    if (current !== undefined) {
      if (current.revision >= revision) return;
      this.#byNode.get(current.node)?.delete(name);
      if (this.#byNode.get(current.node)?.size === 0) this.#byNode.delete(current.node);
      this.#holdings.delete(name);
    }
    if (node === undefined) return;
    this.#holdings.set(name, { node, revision });
    let names = this.#byNode.get(node);
    if (names === undefined) this.#byNode.set(node, (names = new Set()));
    names.add(name);
  }

  /** Every node holding at least one name. */
  nodes(): IterableIterator<string> {
    return this.#byNode.keys();
  }

  /** The names `node` holds, with their claims. */
  holdingsOf(node: string): Array<[string, Holding]> {
    const names = this.#byNode.get(node);
    return names === undefined ? [] : [...names].map((name) => [name, this.#holdings.get(name)!]);
  }

  clear(): void {
    this.#holdings.clear();
    this.#byNode.clear();
  }
}
