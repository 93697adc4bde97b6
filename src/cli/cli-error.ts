import type { ExitCode } from './exit-codes.js';

/** An error the CLI reports as one line on stderr, then exits with `exitCode`. */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: ExitCode;

  constructor(exitCode: ExitCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}
