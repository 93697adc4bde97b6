import type { TestLogEntry } from './test-bot.js';

/** Every `code` a test kit error can carry. */
export const TestKitErrorCode = {
  /** The bot logged an error the test did not collect (`handlerErrors: 'collect'` or `takeErrors()`). */
  BotLoggedErrors: 'SUP_TEST_BOT_ERROR',
} as const;

export type TestKitErrorCode = (typeof TestKitErrorCode)[keyof typeof TestKitErrorCode];

/** An error the bot logged while the test ran; `entries` are the log entries behind it. */
export class TestBotError extends Error {
  override name = 'TestBotError';
  readonly code: TestKitErrorCode = TestKitErrorCode.BotLoggedErrors;
  readonly entries: readonly TestLogEntry[];

  constructor(entries: readonly TestLogEntry[]) {
    const lines = entries.map(describeEntry);
    super(
      `the bot logged ${entries.length === 1 ? 'an error' : `${entries.length} errors`}: ${lines.join('; ')} ` +
        "(use createTestBot({ handlerErrors: 'collect' }) or t.takeErrors() if the test expects it)",
      { cause: entries[0]?.fields.error },
    );
    this.entries = entries;
  }
}

function describeEntry(entry: TestLogEntry): string {
  const { error, ...rest } = entry.fields;
  const details = Object.entries(rest)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
  const reason = error instanceof Error ? `: ${error.message}` : '';
  return `${entry.event}${details === '' ? '' : ` ${details}`}${reason}`;
}
