const EOT = 0x04;

/**
 * Splits received bytes into frames at EOT for the tests' scripted peers, deliberately
 * independent of src/protocol, so the tests do not trust the code under test.
 */
export class EotFrames {
  #partial: Buffer[] = [];

  /** The whole frames `chunk` completes, as latin1 text, EOT removed. */
  push(chunk: Buffer): string[] {
    const frames: string[] = [];
    let start = 0;
    for (let eot = chunk.indexOf(EOT); eot !== -1; eot = chunk.indexOf(EOT, start)) {
      this.#partial.push(chunk.subarray(start, eot));
      frames.push(Buffer.concat(this.#partial).toString('latin1'));
      this.#partial = [];
      start = eot + 1;
    }
    if (start < chunk.length) this.#partial.push(Buffer.from(chunk.subarray(start)));
    return frames;
  }

  /** The bytes after the last EOT, as latin1 text. */
  get trailing(): string {
    return Buffer.concat(this.#partial).toString('latin1');
  }
}

/** Each text followed by EOT, as latin1 bytes ready to write. */
export function eotBytes(frames: readonly string[]): Buffer {
  return Buffer.from(frames.map((frame) => `${frame}\x04`).join(''), 'latin1');
}
