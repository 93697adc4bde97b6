/** The longest username the protocol allows. */
export const MAX_USERNAME_LENGTH = 32;

const USERNAME_PATTERN = /^[A-Za-z0-9_.-]{1,32}$/;

/** 1 to 32 characters from `A-Z a-z 0-9 _ - .`, case-sensitive. */
export function isValidUsername(name: string): boolean {
  return USERNAME_PATTERN.test(name);
}

/** Why a name is not a valid username, in words a user can act on; undefined when it is valid. */
export function usernameProblem(name: string): string | undefined {
  if (name.length === 0) return 'a username cannot be empty';
  if (name.length > MAX_USERNAME_LENGTH) {
    return `a username has at most ${MAX_USERNAME_LENGTH} characters (this one has ${name.length})`;
  }
  if (!USERNAME_PATTERN.test(name)) return 'a username may hold only letters, digits, "_", "-" and "."';
  return undefined;
}
