// One ack: the sender's 48-bit sequence number, then 1 (queued) or 0 (recipient not here).
const ACK_BYTES = 7;

/**
 * Acks for deliveries from other nodes, gathered per sender and sent as one message each
 * once the current batch of incoming messages has been handled.
 */
export class AckBatcher {
  readonly #publish: (subject: string, payload: Uint8Array) => void;
  #batches = new Map<string, number[]>();
  #scheduled = false;

  constructor(publish: (subject: string, payload: Uint8Array) => void) {
    this.#publish = publish;
  }

  /** `reply` is the sender's `<ack prefix>.<sequence>`. */
  add(reply: string, delivered: boolean): void {
    const dot = reply.lastIndexOf('.');
    const prefix = reply.slice(0, dot);
    let batch = this.#batches.get(prefix);
    if (batch === undefined) this.#batches.set(prefix, (batch = []));
    batch.push(Number(reply.slice(dot + 1)), delivered ? 1 : 0);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.#flush());
    }
  }

  #flush(): void {
    this.#scheduled = false;
    const batches = this.#batches;
    this.#batches = new Map();
    for (const [prefix, batch] of batches) {
      const payload = Buffer.allocUnsafe((batch.length / 2) * ACK_BYTES);
      for (let i = 0, at = 0; i < batch.length; i += 2, at += ACK_BYTES) {
        payload.writeUIntBE(batch[i]!, at, 6);
        payload[at + 6] = batch[i + 1]!;
      }
      this.#publish(`${prefix}.b`, payload);
    }
  }
}

/** Calls `settle` for each ack in a batch, in order. */
export function readAcks(payload: Uint8Array, settle: (sequence: number, delivered: boolean) => void): void {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  for (let at = 0; at + ACK_BYTES <= bytes.length; at += ACK_BYTES) settle(bytes.readUIntBE(at, 6), bytes[at + 6] === 1);
}
