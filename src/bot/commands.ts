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
  if (parseUsage(candidate.usage as string | undefined) === undefined) {
    return (
      `command "${name}": usage ${JSON.stringify(candidate.usage)} is not understood: ` +
      'write each argument as <required> or [optional], and end with ... to take any number more'
    );
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

/** Commands by name and alias; names are unique across every plugin of a bot. */
export class CommandRegistry {
  readonly #byWord = new Map<string, RegisteredCommand>();
  readonly #ordered: RegisteredCommand[] = [];

  /** Registers a command; returns the owner of the clashing word if the name or an alias is taken. */
  add(spec: CommandSpec, plugin: string): { clash: string; owner: string } | undefined {
    const words = [spec.name, ...(spec.aliases ?? [])];
    for (const word of words) {
      const owner = this.#byWord.get(word);
      if (owner !== undefined) return { clash: word, owner: owner.plugin };
    }
    if (new Set(words).size !== words.length) return { clash: spec.name, owner: plugin };
    const command: RegisteredCommand = { spec, plugin, arity: parseUsage(spec.usage) ?? { min: 0, max: 0 } };
    for (const word of words) this.#byWord.set(word, command);
    this.#ordered.push(command);
    return undefined;
  }

  lookup(word: string): RegisteredCommand | undefined {
    return this.#byWord.get(word);
  }

  /** Every command, in registration order. */
  list(): readonly RegisteredCommand[] {
    return this.#ordered;
  }
}

/** `name usage`, as a user would type it. */
export function usageLine(spec: CommandSpec): string {
  return spec.usage === undefined || spec.usage.trim() === '' ? spec.name : `${spec.name} ${spec.usage.trim()}`;
}

/** The text of `help`: one line per command. */
export function helpIndex(commands: readonly RegisteredCommand[], helpWord: string): string {
  const lines = ['Commands:'];
  for (const { spec } of commands) lines.push(`  ${usageLine(spec)} - ${spec.summary}`);
  lines.push(`Type "${helpWord} <command>" for details.`);
  return lines.join('\n');
}

/** The text of `help <command>`: usage, summary, aliases and examples. */
export function helpFor(command: RegisteredCommand): string {
  const { spec } = command;
  const lines = [`${usageLine(spec)} - ${spec.summary}`];
  if (spec.aliases !== undefined && spec.aliases.length > 0) lines.push(`Aliases: ${spec.aliases.join(', ')}`);
  const examples = spec.examples ?? [];
  if (examples.length > 0) {
    lines.push('Examples:');
    for (const example of examples) lines.push(`  ${exampleInput(example)}`);
  }
  return lines.join('\n');
}

/** A copy of `pattern` without `g` or `y`, so `test()` keeps no `lastIndex` from one message to the next. */
export function statelessRegExp(pattern: RegExp): RegExp {
  return new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
}

/** What the user types in an example. */
export function exampleInput(example: CommandExample): string {
  return typeof example === 'string' ? example : example.send;
}
