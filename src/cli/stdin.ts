import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';

/** All of stdin as one message, one trailing newline (LF or CRLF) removed. */
export async function readWholeInput(input: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Each non-empty line of stdin as it arrives, without its line ending. */
export async function* readInputLines(input: Readable): AsyncGenerator<string> {
  const lines = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of lines) {
      if (line.length > 0) yield line;
    }
  } finally {
    lines.close();
  }
}
