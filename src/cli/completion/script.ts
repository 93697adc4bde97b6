import type { Command } from 'commander';
import { bashScript } from './bash.js';
import { fishScript } from './fish.js';
import { completionSpec } from './spec.js';
import { zshScript } from './zsh.js';

const RENDERERS = { bash: bashScript, zsh: zshScript, fish: fishScript } as const;

/** The completion script for `shell`, generated from the program as it is now. */
export function completionScript(program: Command, shell: keyof typeof RENDERERS): string {
  return RENDERERS[shell](completionSpec(program));
}
