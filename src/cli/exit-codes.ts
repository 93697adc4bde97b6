/** Exit codes a script can branch on; documented in the README and in `sup --help`. */
export const ExitCode = {
  /** Delivered, online, listed. */
  Ok: 0,
  /** A negative answer: recipient not online (104) for send, offline (103) for status. */
  Negative: 1,
  /** Bad flags, unreadable config, an invalid username or message given. */
  Usage: 2,
  /** Cannot connect, timeout, connection lost. */
  Network: 3,
  /** Login refused: 101 taken, 102 invalid, 109 not authorized. */
  LoginRefused: 4,
  /** Any other error status from the server. */
  ServerError: 5,
  /** An unexpected internal error: a bug in sup, to be reported. */
  Internal: 6,
  /** `sup server` stopped, but its shutdown deadline cut off acknowledged messages (each counted in the log). */
  DeliveryLost: 7,
  /** Stopped by SIGINT or SIGTERM before a one-shot command finished (128 + SIGINT, as shells do). */
  Interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
