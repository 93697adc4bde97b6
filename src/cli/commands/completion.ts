import { Argument, type Command } from 'commander';
import type { CliIo } from '../io.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;

export function registerCompletionCommand(program: Command, io: CliIo): void {
  program
    .command('completion')
    .description('print a shell completion script for commands, options and online users')
    .addArgument(new Argument('<shell>', 'the shell to complete in').choices(SHELLS))
    .addHelpText(
      'after',
      `
Install (see the README for more):
  bash: sup completion bash > ~/.local/share/bash-completion/completions/sup
  zsh:  sup completion zsh > "\${fpath[1]}/_sup"   (or: source <(sup completion zsh) in ~/.zshrc)
  fish: sup completion fish > ~/.config/fish/completions/sup.fish`,
    )
    .action(async (shell: (typeof SHELLS)[number]) => {
      // Loaded on demand: no other command pays for the generators.
      const { completionScript } = await import('../completion/script.js');
      io.stdout.write(completionScript(program, shell));
    });
}
