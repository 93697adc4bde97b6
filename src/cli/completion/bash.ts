import type { CommandSpec, CompletionSpec, ValueSpec } from './spec.js';
import { forValue, shellQuote, usersCommand } from './shell-words.js';

/** A bash completion script for the program: plain bash, bash-completion not required. */
export function bashScript(spec: CompletionSpec): string {
  const fn = `_${spec.program}_complete`;
  const commandNames = spec.commands.map((command) => command.name);
  const valueArms = spec.commands.flatMap((command) =>
    command.options.flatMap((option) =>
      option.value === undefined || option.value.kind === 'text'
        ? []
        : [`    ${option.names.map((name) => `${command.name}:${name}`).join('|')}) ${offer(option.value, spec.program)} ;;`],
    ),
  );
  const argumentArms = spec.commands.flatMap((command) =>
    command.args.flatMap((arg, index) =>
      arg.value.kind === 'text' ? [] : [`    ${command.name}:${index + 1}) ${offer(arg.value, spec.program)} ;;`],
    ),
  );
  return `# ${spec.program} completion for bash, made by \`${spec.program} completion bash\`.
# Load it now with: source <(${spec.program} completion bash)
# or for every shell: ${spec.program} completion bash > ~/.local/share/bash-completion/completions/${spec.program}

_${spec.program}_users() {
  # Online users, from \`${spec.program} contacts\` on the server the command line names; nothing if none answers soon.
  local users
  users=$(${usersCommand(spec.program)} "\${_${spec.program}_connection[@]}" 2>/dev/null) || users=
  COMPREPLY=($(compgen -W "$users" -- "$cur"))
}

${fn}() {
  local cur=\${COMP_WORDS[COMP_CWORD]} prev=\${COMP_WORDS[COMP_CWORD-1]}
  local cmd= arg=0 skip= i word opts= valued=' ' connection=' ' last=0 variadic=
  local -a _${spec.program}_connection=()
  for ((i = 1; i < COMP_CWORD; i++)); do
    word=\${COMP_WORDS[i]}
    if [[ -n $skip ]]; then skip=; continue; fi
    if [[ -z $cmd ]]; then
      [[ $word == -* ]] || cmd=$word
      [[ -n $cmd ]] && ${fn}_command "$cmd"
      continue
    fi
    if [[ $word == -* ]]; then
      if [[ $valued == *" $word "* ]]; then
        skip=1
        [[ $connection == *" $word "* ]] && _${spec.program}_connection+=("$word" "\${COMP_WORDS[i+1]}")
      fi
      continue
    fi
    ((arg++))
  done
  COMPREPLY=()
  if [[ -z $cmd ]]; then
    if [[ $cur == -* ]]; then
      COMPREPLY=($(compgen -W ${shellQuote(spec.options.flatMap((option) => option.names).join(' '))} -- "$cur"))
    else
      COMPREPLY=($(compgen -W ${shellQuote(commandNames.join(' '))} -- "$cur"))
    fi
    return 0
  fi
  if [[ -n $skip ]]; then
    case "$cmd:$prev" in
${valueArms.join('\n')}
    esac
    return 0
  fi
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
    return 0
  fi
  ((arg++))
  if [[ -n $variadic ]] && ((arg > last)); then arg=$last; fi
  case "$cmd:$arg" in
${argumentArms.join('\n')}
  esac
  return 0
}

${fn}_command() {
  # Per command: its options, those that take a value, those that name the server, its last argument.
  case $1 in
${spec.commands.map(commandArm).join('\n')}
    *) opts= valued=' ' connection=' ' last=0 variadic= ;;
  esac
}

complete -F ${fn} ${spec.program}
`;
}

function commandArm(command: CommandSpec): string {
  const names = command.options.flatMap((option) => option.names);
  const valued = command.options.filter((option) => option.value !== undefined).flatMap((option) => option.names);
  const connection = command.options.filter((option) => option.connection).flatMap((option) => option.names);
  const variadic = command.args.at(-1)?.variadic === true ? '1' : '';
  return `    ${command.name}) opts=${shellQuote(names.join(' '))} valued=${shellQuote(` ${valued.join(' ')} `)} connection=${shellQuote(` ${connection.join(' ')} `)} last=${command.args.length} variadic=${variadic} ;;`;
}

function offer(value: ValueSpec, program: string): string {
  return forValue(value, {
    user: `_${program}_users`,
    file: 'COMPREPLY=($(compgen -f -- "$cur"))',
    choice: (choices) => `COMPREPLY=($(compgen -W ${shellQuote(choices.join(' '))} -- "$cur"))`,
    text: '',
  });
}
