import { SupError, SupErrorCode, SupStatusError } from '../client/errors.js';
import { Status } from '../protocol/status.js';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-codes.js';

/** Maps a client error to the exit code a script branches on; the client's message already says what to do. */
export function cliFailure(error: unknown): CliError {
  if (error instanceof CliError) return error;
  if (error instanceof SupStatusError) {
    const loginRefused =
      error.command === 'login' &&
      (error.status === Status.UsernameTaken || error.status === Status.UsernameInvalid || error.status === Status.NotAuthorized);
    return new CliError(loginRefused ? ExitCode.LoginRefused : ExitCode.ServerError, error.message, { cause: error });
  }
  if (error instanceof SupError) {
    switch (error.code) {
      case SupErrorCode.InvalidArgument:
        return new CliError(ExitCode.Usage, error.message, { cause: error });
      case SupErrorCode.ProtocolViolation:
        return new CliError(ExitCode.ServerError, error.message, { cause: error });
      default:
        return new CliError(ExitCode.Network, error.message, { cause: error });
    }
  }
  throw error;
}

/** True for the answers that are a plain "no" rather than a failure: 104 to send, 103 to contact. */
export function isNegativeAnswer(error: unknown): error is SupStatusError {
  return error instanceof SupStatusError && error.status === Status.UserNotOnline;
}
