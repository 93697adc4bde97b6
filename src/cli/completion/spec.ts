import type { Argument, Command, Option } from 'commander';

/** What a shell offers for a value: online users, file names, fixed words, or nothing. */
export type ValueKind = 'user' | 'file' | 'choice' | 'text';

export interface ValueSpec {
  kind: ValueKind;
  /** The words offered when `kind` is `choice`. */
  choices: readonly string[];
}

export interface OptionSpec {
  /** `-p` and `--port`, short first. */
  names: readonly string[];
  description: string;
  /** Undefined for a flag that takes no value. */
  value: ValueSpec | undefined;
  /** Says which server to ask for user names (`--host`, `--port`, `--config`). */
  connection: boolean;
}

export interface ArgumentSpec {
  name: string;
  variadic: boolean;
  value: ValueSpec;
}

export interface CommandSpec {
  name: string;
  description: string;
  options: readonly OptionSpec[];
  args: readonly ArgumentSpec[];
}

export interface CompletionSpec {
  program: string;
  options: readonly OptionSpec[];
  commands: readonly CommandSpec[];
}

// Completion knows values by the name commander gives them, so a new command needs no change here.
// Online users are offered for a recipient or a sender, not for --user: a name online is taken.
const USER_ARGUMENTS = new Set(['user', 'to']);
const USER_OPTIONS = new Set(['from']);
const FILE_VALUES = new Set(['config', 'stateDir', 'module', 'file', 'tlsCa', 'tlsCert', 'tlsKey', 'tlsClientCa']);
const CONNECTION_OPTIONS = new Set(['host', 'port', 'config']);

/** Walks the commander program: its commands (help included), options and arguments. */
export function completionSpec(program: Command): CompletionSpec {
  const help = program.createHelp();
  const commands = help.visibleCommands(program).map((command) => commandSpec(command, help.visibleOptions(command)));
  const names = commands.map((command) => command.name);
  // commander's own `help [command]` takes a command name.
  const withHelpNames = commands.map((command) =>
    command.name === 'help'
      ? { ...command, args: command.args.map((arg) => ({ ...arg, value: { kind: 'choice' as const, choices: names.filter((name) => name !== 'help') } })) }
      : command,
  );
  return { program: program.name(), options: help.visibleOptions(program).map(optionSpec), commands: withHelpNames };
}

function commandSpec(command: Command, options: readonly Option[]): CommandSpec {
  return {
    name: command.name(),
    description: firstLine(command.description()),
    options: options.map(optionSpec),
    args: command.registeredArguments.map(argumentSpec),
  };
}

function optionSpec(option: Option): OptionSpec {
  const names = [option.short, option.long].filter((name): name is string => name !== undefined);
  const attribute = option.attributeName();
  const takesValue = option.required || option.optional;
  return {
    names,
    description: firstLine(option.description),
    value: takesValue ? valueSpec(attribute, option.argChoices, USER_OPTIONS) : undefined,
    connection: CONNECTION_OPTIONS.has(attribute),
  };
}

function argumentSpec(argument: Argument): ArgumentSpec {
  return { name: argument.name(), variadic: argument.variadic, value: valueSpec(argument.name(), argument.argChoices, USER_ARGUMENTS) };
}

function valueSpec(name: string, choices: readonly string[] | undefined, userNames: ReadonlySet<string>): ValueSpec {
  if (choices !== undefined) return { kind: 'choice', choices };
  if (userNames.has(name)) return { kind: 'user', choices: [] };
  if (FILE_VALUES.has(name)) return { kind: 'file', choices: [] };
  return { kind: 'text', choices: [] };
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}
