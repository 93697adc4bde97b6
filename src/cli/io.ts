import type { Readable, Writable } from 'node:stream';

/** Everything the CLI touches of its process, handed in so tests can run it in-process. */
export interface CliIo {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable;
  env: NodeJS.ProcessEnv;
  /** Aborted on SIGINT/SIGTERM: long-running commands stop cleanly when it fires. */
  shutdown: AbortSignal;
  /** The directory config files are searched from. */
  cwd: string;
  /**
   * Hands the process's warnings (e.g. MaxListenersExceededWarning) to `onWarning` instead of
   * Node's printer, until the returned function is called; absent when run in-process.
   */
  captureWarnings?: (onWarning: (warning: Error) => void) => () => void;
}

/** Writes one line to a stream. */
export function writeLine(stream: Writable, line: string): void {
  stream.write(`${line}\n`);
}

/** Resolves when the signal fires (at once if it already has). */
export function whenAborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

/** `host:port`, with an IPv6 host in brackets. */
export function formatHostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}
