import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/**
 * All of stdin as one message, one trailing newline (LF or CRLF) removed; undefined when
 * `signal` fires first (Ctrl-C while typing the message).
 */
export async function readWholeInput(input: Readable, signal: AbortSignal): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  const ended = new Promise<boolean>((resolve, reject) => {
    input.on('data', (chunk: Buffer | string) => chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    input.once('end', () => resolve(true));
    input.once('error', reject);
  });
  const aborted = new Promise<boolean>((resolve) => {
    if (signal.aborted) resolve(false);
    else signal.addEventListener('abort', () => resolve(false), { once: true });
  });
  const complete = await Promise.race([ended, aborted]);
  if (!complete) {
    // Stops reading, so an open stdin does not keep the process alive.
    input.pause();
    return undefined;
  }
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/**
 * Each non-empty line of stdin as it arrives, without its line ending. Ends when stdin
 * does, or at once when `signal` fires (even while waiting for a line), and then stops
 * reading stdin, so a still-open pipe does not keep the process alive.
 */
export async function* readInputLines(input: Readable, signal: AbortSignal): AsyncGenerator<string> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  const stop = (): void => lines.close();
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  try {
    for await (const line of lines) {
      if (line.length > 0) yield line;
    }
  } finally {
    signal.removeEventListener('abort', stop);
    lines.close();
  }
}
