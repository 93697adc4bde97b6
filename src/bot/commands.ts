import type { CommandExample, CommandSpec } from './plugin.js';

/** How many arguments a usage string allows. */
export interface Arity {
  min: number;
  max: number;
}

const USAGE_TOKEN = /<[^<>\s][^<>]*>|\[[^[\]\s][^[\]]*\]|\.\.\./g;

/**
 * Reads `<required> [optional] [rest...]` into an argument count range; undefined when the
 * usage string has something else in it, so a typo is caught at registration, not in chat.
 */
export function parseUsage(usage: string | undefined): Arity | undefined {
  if (usage === undefined || usage.trim() === '') return { min: 0, max: 0 };
  let min = 0;
  let max = 0;
  let rest = false;
  const leftover = usage.replace(USAGE_TOKEN, (token) => {
    if (token.includes('...')) rest = true;
    if (token === '...') return '';
    if (token.startsWith('<')) min++;
    max++;
    return '';
  });
  if (leftover.trim() !== '') return undefined;
  return { min, max: rest ? Number.POSITIVE_INFINITY : max };
}

/** A registered command: its spec, who registered it, and its argument range. */
export interface RegisteredCommand {
  spec: CommandSpec;
  plugin: string;
  arity: Arity;
}

/** Why a command spec cannot be registered; undefined when it can. */
export function commandSpecProblem(spec: unknown): string | undefined {
  if (spec === null || typeof spec !== 'object') return 'a command must be an object { name, summary, run }';
  const candidate = spec as Record<string, unknown>;
  if (typeof candidate.name !== 'string' || !isCommandWord(candidate.name)) {
    return `a command name must be one word without spaces, got ${JSON.stringify(candidate.name)}`;
  }
  const name = candidate.name;
  if (typeof candidate.summary !== 'string' || candidate.summary.trim() === '') {
    return `command "${name}" needs a one-line "summary" for help`;
  }
  if (typeof candidate.run !== 'function') return `command "${name}" needs a "run(message)" function`;
  if (candidate.aliases !== undefined) {
    if (!Array.isArray(candidate.aliases)) return `command "${name}": "aliases" must be an array of words`;
    for (const alias of candidate.aliases) {
      if (typeof alias !== 'string' || !isCommandWord(alias)) {
        return `command "${name}": alias ${JSON.stringify(alias)} must be one word without spaces`;
      }
    }
  }
  if (candidate.usage !== undefined && typeof candidate.usage !== 'string') {
    return `command "${name}": "usage" must be a string such as "<name> [count]"`;
  }
  // With a pattern, usage is only shown, so it may be any text.
  if (candidate.pattern === undefined && parseUsage(candidate.usage as string | undefined) === undefined) {
    return (
      `command "${name}": usage ${JSON.stringify(candidate.usage)} is not understood: ` +
      'write each argument as <required> or [optional], and end with ... to take any number more'
    );
  }
  if (candidate.pattern !== undefined && !(candidate.pattern instanceof RegExp)) {
    return `command "${name}": "pattern" must be a RegExp that the arguments are matched against`;
  }
  for (const flag of ['admin', 'caseSensitive'] as const) {
    if (candidate[flag] !== undefined && typeof candidate[flag] !== 'boolean') return `command "${name}": "${flag}" must be true or false`;
  }
  if (candidate.examples !== undefined) {
    if (!Array.isArray(candidate.examples)) return `command "${name}": "examples" must be an array`;
    for (const example of candidate.examples) {
      const problem = exampleProblem(example);
      if (problem !== undefined) return `command "${name}": ${problem}`;
    }
  }
  return undefined;
}

function exampleProblem(example: unknown): string | undefined {
  if (typeof example === 'string') return example.length === 0 ? 'an example cannot be empty' : undefined;
  if (example === null || typeof example !== 'object') {
    return 'each example must be a string or { send, reply?, from? }';
  }
  const candidate = example as Record<string, unknown>;
  if (typeof candidate.send !== 'string' || candidate.send.length === 0) {
    return 'each example object needs a non-empty "send" string';
  }
  const replies = candidate.reply === undefined ? [] : Array.isArray(candidate.reply) ? candidate.reply : [candidate.reply];
  for (const reply of replies) {
    if (typeof reply !== 'string' && !(reply instanceof RegExp)) {
      return `example "${candidate.send}": "reply" must be a string, a RegExp, or an array of them`;
    }
  }
  if (candidate.from !== undefined && typeof candidate.from !== 'string') {
    return `example "${candidate.send}": "from" must be a username`;
  }
  return undefined;
}

function isCommandWord(word: string): boolean {
  return word.length > 0 && !/\s/.test(word);
}

/** The command word of a message and what follows it. */
export interface CommandCall {
  word: string;
  args: string;
  argv: string[];
}

/** Splits a message into its first word and the arguments after it. */
export function splitCommand(text: string): CommandCall {
  const trimmed = text.trimStart();
  const match = /\s/.exec(trimmed);
  const word = match === null ? trimmed : trimmed.slice(0, match.index);
  const args = match === null ? '' : trimmed.slice(match.index).replace(/^\s+/, '');
  const argv = args.trim() === '' ? [] : args.trim().split(/\s+/);
  return { word, args, argv };
}

/**
 * Commands by name and alias; names are unique across every plugin of a bot. A word matches
 * case-insensitively unless its command says `caseSensitive: true`; an exact-case match wins.
 */
export class CommandRegistry {
  readonly #byFolded = new Map<string, Array<{ word: string; command: RegisteredCommand }>>();
  readonly #ordered: RegisteredCommand[] = [];

  /** Registers a command; returns the owner of the clashing word if the name or an alias is taken. */
  add(spec: CommandSpec, plugin: string): { clash: string; owner: string } | undefined {
    const words = [spec.name, ...(spec.aliases ?? [])];
    const folded = words.map((word) => word.toLowerCase());
    if (new Set(spec.caseSensitive === true ? words : folded).size !== words.length) return { clash: spec.name, owner: plugin };
    for (const word of words) {
      const taken = (this.#byFolded.get(word.toLowerCase()) ?? []).find(
        (entry) => entry.word === word || spec.caseSensitive !== true || entry.command.spec.caseSensitive !== true,
      );
      if (taken !== undefined) return { clash: word, owner: taken.command.plugin };
    }
    const command: RegisteredCommand = { spec, plugin, arity: parseUsage(spec.usage) ?? { min: 0, max: 0 } };
    for (const word of words) {
      const entries = this.#byFolded.get(word.toLowerCase()) ?? [];
      entries.push({ word, command });
      this.#byFolded.set(word.toLowerCase(), entries);
    }
    this.#ordered.push(command);
    return undefined;
  }

  lookup(word: string): RegisteredCommand | undefined {
    const entries = this.#byFolded.get(word.toLowerCase()) ?? [];
    return (
      entries.find((entry) => entry.word === word)?.command ??
      entries.find((entry) => entry.command.spec.caseSensitive !== true)?.command
    );
  }

  /** Every command, in registration order. */
  list(): readonly RegisteredCommand[] {
    return this.#ordered;
  }

  /** Every word that invokes a command (names and aliases). */
  words(): string[] {
    return [...this.#byFolded.values()].flatMap((entries) => entries.map((entry) => entry.word));
  }
}

/** `name usage`, as a user would type it. */
export function usageLine(spec: CommandSpec): string {
  return spec.usage === undefined || spec.usage.trim() === '' ? spec.name : `${spec.name} ${spec.usage.trim()}`;
}

/** The text of `help`: one line per command. */
export function helpIndex(commands: readonly RegisteredCommand[], helpWord: string): string {
  const lines = ['Commands:'];
  for (const { spec } of commands) lines.push(`  ${usageLine(spec)} - ${spec.summary}${spec.admin === true ? ' (admins only)' : ''}`);
  lines.push(`Type "${helpWord} <command>" for details.`);
  return lines.join('\n');
}

/** The text of `help <command>`: usage, summary, aliases, and each example with its expected reply. */
export function helpFor(command: RegisteredCommand): string {
  const { spec } = command;
  const lines = [`${usageLine(spec)} - ${spec.summary}`];
  if (spec.aliases !== undefined && spec.aliases.length > 0) lines.push(`Aliases: ${spec.aliases.join(', ')}`);
  if (spec.admin === true) lines.push('Only the bot\'s admins may use it.');
  const examples = spec.examples ?? [];
  if (examples.length > 0) {
    lines.push('Examples:');
    for (const example of examples) {
      lines.push(`  ${exampleInput(example)}`);
      for (const reply of expectedReplies(example)) lines.push(`    -> ${reply.replace(/\n/g, '\n       ')}`);
    }
  }
  return lines.join('\n');
}

/** A copy of `pattern` without `g` or `y`, so `test()` keeps no `lastIndex` from one message to the next. */
export function statelessRegExp(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
}

/** An example's expected replies as help shows them; none when the example does not say. */
function expectedReplies(example: CommandExample): string[] {
  if (typeof example === 'string' || example.reply === undefined) return [];
  const replies: ReadonlyArray<string | RegExp> = Array.isArray(example.reply) ? example.reply : [example.reply as string | RegExp];
  if (replies.length === 0) return ['(no reply)'];
  return replies.map((reply) => (typeof reply === 'string' ? reply : `(a reply matching ${String(reply)})`));
}

/** What the user types in an example. */
export function exampleInput(example: CommandExample): string {
  return typeof example === 'string' ? example : example.send;
}
