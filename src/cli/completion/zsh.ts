import type { ArgumentSpec, CompletionSpec, OptionSpec, ValueSpec } from './spec.js';
import { forValue, shellQuote, usersCommand } from './shell-words.js';

/** A zsh completion script: an autoloadable `_sup` function that also works when sourced. */
export function zshScript(spec: CompletionSpec): string {
  const fn = `_${spec.program}`;
  const commands = spec.commands.map((command) => `    ${shellQuote(`${command.name.replace(/:/g, '\\:')}:${command.description}`)}`);
  const arms = spec.commands.map(
    (command) =>
      `    ${command.name})\n      _arguments -s -S \\\n${[...command.options.flatMap((option) => optionSpecs(option, spec.program)), ...command.args.map((arg, index) => argumentSpec(arg, index, spec.program))]
        .map((line) => `        ${line}`)
        .join(' \\\n')} ;;`,
  );
  const connection = [...new Set(spec.commands.flatMap((command) => command.options.filter((option) => option.connection).flatMap((option) => option.names)))];
  return `#compdef ${spec.program}
# ${spec.program} completion for zsh, made by \`${spec.program} completion zsh\`.
# Install: ${spec.program} completion zsh > "\${fpath[1]}/${fn}"  (then start a new shell)
# or add to ~/.zshrc (after compinit): source <(${spec.program} completion zsh)

${fn}_users() {
  # Online users, from \`${spec.program} contacts\` on the server the command line names; nothing if none answers soon.
  local -a users connection
  local i
  for (( i = 2; i < CURRENT; i++ )); do
    case $words[i] in
      ${connection.length === 0 ? "''" : connection.join('|')}) connection+=("$words[i]" "$words[i+1]") ;;
    esac
  done
  users=(\${(f)"$(${usersCommand(spec.program)} "\${connection[@]}" 2>/dev/null)"})
  _describe -t users 'online user' users
}

${fn}() {
  local -a commands
  commands=(
${commands.join('\n')}
  )
  if (( CURRENT == 2 )); then
    if [[ $words[CURRENT] == -* ]]; then
      _arguments -s ${spec.options.flatMap((option) => optionSpecs(option, spec.program)).join(' ')}
    else
      _describe -t commands '${spec.program} command' commands
    fi
    return
  fi
  local cmd=$words[2]
  shift words
  (( CURRENT-- ))
  case $cmd in
${arms.join('\n')}
  esac
}

if [[ $funcstack[1] == ${fn} ]]; then ${fn} "$@"; else compdef ${fn} ${spec.program}; fi
`;
}

function optionSpecs(option: OptionSpec, program: string): string[] {
  const exclusive = option.names.length > 1 ? `(${option.names.join(' ')})` : '';
  const value = option.value === undefined ? '' : `:${valueName(option.names.at(-1)!)}:${action(option.value, program)}`;
  return option.names.map((name) => shellQuote(`${exclusive}${name}[${escape(option.description)}]${value}`));
}

function argumentSpec(arg: ArgumentSpec, index: number, program: string): string {
  return shellQuote(`${arg.variadic ? '*' : index + 1}:${arg.name}:${action(arg.value, program)}`);
}

function action(value: ValueSpec, program: string): string {
  return forValue(value, { user: `_${program}_users`, file: '_files', choice: (choices) => `(${choices.join(' ')})`, text: ' ' });
}

function valueName(name: string): string {
  return name.replace(/^-+/, '');
}

/** What _arguments would read as syntax inside a description. */
function escape(text: string): string {
  return text.replace(/[\\[\]:]/g, (char) => `\\${char}`);
}
