/** Where the runtime reports state changes and errors; it never prints by itself. */
export interface BotLogger {
  info(event: string, fields?: Record<string, unknown>): void;
  warn(event: string, fields?: Record<string, unknown>): void;
  error(event: string, fields?: Record<string, unknown>): void;
}

export type LogLevel = 'info' | 'warn' | 'error';

/** A logger that drops everything, for embedding the runtime where no log is wanted. */
export const silentLogger: BotLogger = {
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** A logger that adds the same fields (e.g. `plugin`) to every line of another logger. */
export function childLogger(parent: BotLogger, fixed: Record<string, unknown>): BotLogger {
  return {
    info: (event, fields) => parent.info(event, { ...fixed, ...fields }),
    warn: (event, fields) => parent.warn(event, { ...fixed, ...fields }),
    error: (event, fields) => parent.error(event, { ...fixed, ...fields }),
  };
}

export interface LineLoggerOptions {
  /** The clock stamped on each line. @default () => new Date() */
  now?: () => Date;
}

/**
 * Formats each event as one line and hands it to `write` (without the newline):
 * `text` is `2025-01-01T00:00:00.000Z warn loop-guard to=alice count=11`,
 * `json` is one object per line with `time`, `level`, `event` and the fields.
 */
export function createLineLogger(
  write: (line: string) => void,
  format: 'text' | 'json',
  options: LineLoggerOptions = {},
): BotLogger {
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, event: string, fields: Record<string, unknown> = {}): void => {
    const time = now().toISOString();
    write(format === 'json' ? jsonLine(time, level, event, fields) : textLine(time, level, event, fields));
  };
  return {
    info: (event, fields) => emit('info', event, fields),
    warn: (event, fields) => emit('warn', event, fields),
    error: (event, fields) => emit('error', event, fields),
  };
}

function jsonLine(time: string, level: LogLevel, event: string, fields: Record<string, unknown>): string {
  const record: Record<string, unknown> = { time, level, event };
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) record[key] = toJsonValue(value);
  }
  try {
    return JSON.stringify(record);
  } catch {
    // A cyclic or BigInt field must not cost the whole line.
    return JSON.stringify({ time, level, event, fields: String(fields) });
  }
}

function textLine(time: string, level: LogLevel, event: string, fields: Record<string, unknown>): string {
  let line = `${time} ${level} ${event}`;
  for (const [key, value] of Object.entries(fields)) {
    if (value !== undefined) line += ` ${key}=${textValue(value)}`;
  }
  return line;
}

function toJsonValue(value: unknown): unknown {
  if (value instanceof Error) {
    const described: Record<string, unknown> = { name: value.name, message: value.message };
    const code = (value as { code?: unknown }).code;
    if (code !== undefined) described.code = code;
    if (value.stack !== undefined) described.stack = value.stack;
    if (value.cause !== undefined) described.cause = toJsonValue(value.cause);
    return described;
  }
  return value;
}

function textValue(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return quote(code === undefined ? value.message : `${value.message} (${String(code)})`);
  }
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  try {
    return quote(JSON.stringify(value) ?? String(value));
  } catch {
    return quote(String(value));
  }
}

// Quoting keeps one event on one line even when a chat message holds spaces or newlines.
function quote(text: string): string {
  return /^[\w.:/@+-]+$/.test(text) ? text : JSON.stringify(text);
}
