import type { ValueSpec } from './spec.js';

/** One shell word in single quotes; works in bash, zsh and fish alike. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** How a completion script asks for online users: short --timeout, so a dead server costs a second at most. */
export function usersCommand(program: string): string {
  return `command ${program} contacts --timeout 1000`;
}

/** What a shell script does for each kind of value, picked for `value`. */
export function forValue<T>(value: ValueSpec, cases: { user: T; file: T; choice: (choices: readonly string[]) => T; text: T }): T {
  return value.kind === 'choice' ? cases.choice(value.choices) : cases[value.kind];
}
