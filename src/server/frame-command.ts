// The command words a client frame can start with, as they are logged.
const COMMANDS = ['send', 'login', 'get contacts', 'contact', 'quit'] as const;

/** The command a frame starts with, for logs: never anything after it (a message is private). */
export function frameCommandName(bytes: Buffer, start: number, end: number): string {
  for (const command of COMMANDS) {
    const after = start + command.length;
    if (after > end || bytes.toString('latin1', start, after) !== command) continue;
    if (after === end || bytes[after] === 0x20) return command;
  }
  return 'unknown';
}
