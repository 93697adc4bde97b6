import { fstat } from 'node:fs';
import type { Readable } from 'node:stream';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/** What `readWholeInput` found: the text, or that stdin held more than `maxBytes`. */
export type WholeInput = { type: 'text'; text: string } | { type: 'too-long'; maxBytes: number };

/**
 * All of stdin as one message, one trailing newline (LF or CRLF) removed; undefined when
 * `signal` fires first (Ctrl-C while typing the message). Reading stops as soon as more
 * than `maxBytes` (plus a line ending) arrived, so memory stays small whatever the input.
 */
export async function readWholeInput(input: Readable, signal: AbortSignal, maxBytes: number): Promise<WholeInput | undefined> {
  // Room for the line ending that is removed afterwards.
  const limit = maxBytes + 2;
  const chunks: Buffer[] = [];
  let size = 0;
  const onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    chunks.push(bytes);
    size += bytes.length;
    if (size > limit) finish('too-long');
  };
  let finish: (how: 'end' | 'too-long' | 'aborted') => void = () => {};
  const done = new Promise<'end' | 'too-long' | 'aborted'>((resolve, reject) => {
    finish = resolve;
    input.once('error', reject);
  });
  const onEnd = (): void => finish('end');
  const onAbort = (): void => finish('aborted');
  input.on('data', onData);
  input.once('end', onEnd);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  let how: 'end' | 'too-long' | 'aborted';
  try {
    how = await done;
  } finally {
    input.off('data', onData);
    input.off('end', onEnd);
    signal.removeEventListener('abort', onAbort);
  }
  if (how !== 'end') {
    // Stops reading, so an open or endless stdin neither fills memory nor keeps the process alive.
    input.pause();
    return how === 'too-long' ? { type: 'too-long', maxBytes } : undefined;
  }
  return { type: 'text', text: Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '') };
}

/** One line of stdin: its number as `wc -l` and editors count, and its text without the line ending. */
export interface InputLine {
  number: number;
  /** undefined when the line was longer than the limit; its bytes were not kept. */
  text: string | undefined;
}

/**
 * Each non-empty line of stdin as it arrives, numbered counting the empty ones too. A line
 * over `maxLineBytes` is handed back without its text, and only that many bytes of it are
 * ever held. Ends when stdin does, or at once when `signal` fires (even while waiting for a
 * line), and then stops reading stdin, so a still-open pipe does not keep the process alive.
 */
export async function* readInputLines(input: Readable, signal: AbortSignal, maxLineBytes: number): AsyncGenerator<InputLine> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  let number = 0;
  const keep = (bytes: Buffer): void => {
    if (tooLong || bytes.length === 0) return;
    // One byte of slack for the CR of a CRLF line ending.
    if (size + bytes.length > maxLineBytes + 1) {
      tooLong = true;
      parts = [];
      size = 0;
      return;
    }
    parts.push(bytes);
    size += bytes.length;
  };
  const endLine = (): InputLine | undefined => {
    number++;
    const text = tooLong ? undefined : Buffer.concat(parts, size).toString('utf8').replace(/\r$/, '');
    parts = [];
    size = 0;
    tooLong = false;
    return text === '' ? undefined : { number, text };
  };
  try {
    for (let chunk = await nextChunk(input, signal); chunk !== null; chunk = await nextChunk(input, signal)) {
      let start = 0;
      for (let newline = chunk.indexOf(0x0a); newline !== -1; newline = chunk.indexOf(0x0a, start)) {
        keep(chunk.subarray(start, newline));
        start = newline + 1;
        const line = endLine();
        if (line) yield line;
      }
      keep(chunk.subarray(start));
    }
    // The last line, when the input does not end with a newline.
    if (size > 0 || tooLong) {
      const line = endLine();
      if (line) yield line;
    }
  } finally {
    input.pause();
  }
}

/** The next chunk of `input`; null at its end or once `signal` fires. */
function nextChunk(input: Readable, signal: AbortSignal): Promise<Buffer | null> {
  if (signal.aborted) return Promise.resolve(null);
  const first = input.read() as Buffer | string | null;
  if (first !== null) return Promise.resolve(typeof first === 'string' ? Buffer.from(first) : first);
  if (input.readableEnded) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const settle = (chunk: Buffer | string | null, error?: unknown): void => {
      input.off('readable', onReadable);
      input.off('end', onEnd);
      input.off('error', onError);
      signal.removeEventListener('abort', onEnd);
      if (error !== undefined) reject(error);
      else resolve(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
    };
    const onReadable = (): void => {
      const chunk = input.read() as Buffer | string | null;
      if (chunk !== null) settle(chunk);
    };
    const onEnd = (): void => settle(null);
    const onError = (error: unknown): void => settle(null, error);
    input.on('readable', onReadable);
    input.once('end', onEnd);
    input.once('error', onError);
    signal.addEventListener('abort', onEnd, { once: true });
  });
}

/**
 * Stdin redirected from a directory (`sup send bob < /etc`) reads as empty input; say what
 * it is instead, before connecting.
 */
export async function refuseDirectory(input: Readable): Promise<void> {
  const fd = (input as { fd?: unknown }).fd;
  if (typeof fd !== 'number') return;
  const isDirectory = await new Promise<boolean>((resolve) => fstat(fd, (error, stats) => resolve(!error && stats.isDirectory())));
  if (isDirectory) {
    throw new CliError(ExitCode.Usage, 'stdin is a directory, not a file or a pipe: redirect a file (< FILE) or pipe the text in');
  }
}
