/**
 * Where the server reports notable events (one call per event, never message text); it never
 * prints by itself. The CLI turns these into text or JSON lines on stderr.
 */
export interface ServerLogger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

/** Drops everything: the default for an embedded server. */
export const silentServerLogger: ServerLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};
