import type { ExitCode } from './exit-codes.js';

/** An error the CLI reports as one line on stderr, then exits with `exitCode`. */
export class CliError extends Error {
  override name = 'CliError';
  readonly exitCode: ExitCode;
  /** With --json, what the command knew before it failed (`{"to":"bob"}`), printed with the reason. */
  jsonFields: Record<string, unknown> = {};

  constructor(exitCode: ExitCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = exitCode;
  }
}
