/** One shell word in single quotes; works in bash, zsh and fish alike. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** How a completion script asks for online users: short --timeout, so a dead server costs a second at most. */
export function usersCommand(program: string): string {
  return `command ${program} contacts --timeout 1000`;
}
