import type { BotLogger, LogLevel } from '../../../src/bot/logger.js';

export interface LogEntry {
  level: LogLevel;
  event: string;
  fields: Record<string, unknown>;
}

/** A logger that keeps every entry for assertions. */
export class RecordingLogger implements BotLogger {
  readonly entries: LogEntry[] = [];

  info(event: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ level: 'info', event, fields });
  }

  warn(event: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ level: 'warn', event, fields });
  }

  error(event: string, fields: Record<string, unknown> = {}): void {
    this.entries.push({ level: 'error', event, fields });
  }

  events(event: string): LogEntry[] {
    return this.entries.filter((entry) => entry.event === event);
  }
}
