import type { CommandSpec, CompletionSpec, OptionSpec, ValueSpec } from './spec.js';
import { forValue, shellQuote, usersCommand } from './shell-words.js';

/** A fish completion script: `complete` lines, conditioned on the command and argument position. */
export function fishScript(spec: CompletionSpec): string {
  const p = spec.program;
  const lines = [
    ...spec.options.map((option) => completeOption(p, `__${p}_no_command`, option)),
    ...spec.commands.map(
      (command) => `complete -c ${p} -n __${p}_no_command -a ${shellQuote(command.name)} -d ${shellQuote(command.description)}`,
    ),
    ...spec.commands.flatMap((command) => commandLines(p, command)),
  ];
  const valued = spec.commands.flatMap((command) =>
    command.options.filter((option) => option.value !== undefined).flatMap((option) => option.names.map((name) => `${command.name}:${name}`)),
  );
  const connection = [...new Set(spec.commands.flatMap((command) => command.options.filter((option) => option.connection).flatMap((option) => option.names)))];
  return `# ${p} completion for fish, made by \`${p} completion fish\`.
# Install: ${p} completion fish > ~/.config/fish/completions/${p}.fish

function __${p}_no_command
    set -l words (commandline -opc)
    for word in $words[2..-1]
        string match -q -- '-*' $word; or return 1
    end
end

function __${p}_command
    # The command word, or nothing yet.
    for word in (commandline -opc)[2..-1]
        string match -q -- '-*' $word; or begin; echo $word; return; end
    end
end

function __${p}_using
    test "$(__${p}_command)" = "$argv[1]"
end

function __${p}_argument_is
    # True when the word being completed is argument $argv[2] of command $argv[1] ("N+" for N or later).
    set -l words (commandline -opc)
    set -l cmd $argv[1]
    __${p}_using $cmd; or return 1
    set -l valued ${valued.map(shellQuote).join(' ')}
    set -l seen 0
    set -l skip 0
    set -l started 0
    for word in $words[2..-1]
        if test $skip = 1; set skip 0; continue; end
        if test $started = 0
            string match -q -- '-*' $word; or set started 1
            continue
        end
        if string match -q -- '-*' $word
            contains -- "$cmd:$word" $valued; and set skip 1
            continue
        end
        set seen (math $seen + 1)
    end
    test $skip = 0; or return 1
    set -l position (math $seen + 1)
    if string match -q -- '*+' $argv[2]
        test $position -ge (string trim -r -c + -- $argv[2])
    else
        test $position -eq $argv[2]
    end
end

function __${p}_users
    # Online users, from \`${p} contacts\` on the server the command line names; nothing if none answers soon.
    set -l words (commandline -opc)
    set -l connection
    for i in (seq 2 (count $words))
        if contains -- $words[$i] ${connection.map(shellQuote).join(' ')}
            set -a connection $words[$i] $words[(math $i + 1)]
        end
    end
    ${usersCommand(p)} $connection 2>/dev/null
end

complete -c ${p} -f
${lines.join('\n')}
`;
}

function commandLines(p: string, command: CommandSpec): string[] {
  const options = command.options.map((option) => completeOption(p, `__${p}_using ${command.name}`, option));
  const args = command.args.flatMap((arg, index) => {
    const values = fishValues(arg.value, p);
    if (values === undefined) return [];
    const position = arg.variadic ? `${index + 1}+` : String(index + 1);
    return [`complete -c ${p} -n ${shellQuote(`__${p}_argument_is ${command.name} ${position}`)} ${values}`];
  });
  return [...options, ...args];
}

function completeOption(p: string, condition: string, option: OptionSpec): string {
  const names = option.names.map((name) => (name.startsWith('--') ? `-l ${name.slice(2)}` : `-s ${name.slice(1)}`)).join(' ');
  // -x: a value and no file names; a file value says -r -F instead.
  const value = option.value === undefined ? '' : option.value.kind === 'file' ? ' -r -F' : ` -x ${fishValues(option.value, p) ?? ''}`.trimEnd();
  return `complete -c ${p} -n ${shellQuote(condition)} ${names}${value} -d ${shellQuote(option.description)}`;
}

function fishValues(value: ValueSpec, p: string): string | undefined {
  return forValue<string | undefined>(value, {
    user: `-a '(__${p}_users)'`,
    file: '-F',
    choice: (choices) => `-a ${shellQuote(choices.join(' '))}`,
    text: undefined,
  });
}
