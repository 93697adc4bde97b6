import type { CliIo } from './io.js';

export interface Progress {
  update(text: string): void;
  stop(): void;
}

const NO_PROGRESS: Progress = { update() {}, stop() {} };

/**
 * A spinner on stderr, only for a person watching a terminal: never in a pipe, with
 * --quiet or --json, or while stdin is the message (ora would take stdin over).
 * ora is loaded only then, so scripts do not pay for it at start-up.
 */
export async function startProgress(io: CliIo, text: string, wanted: boolean): Promise<Progress> {
  const stderr = io.stderr as NodeJS.WriteStream;
  if (!wanted || stderr.isTTY !== true) return NO_PROGRESS;
  const { default: ora } = await import('ora');
  const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  const spinner = ora({ text, stream: stderr, color: noColor ? false : 'cyan', discardStdin: false }).start();
  return {
    update: (next) => {
      spinner.text = next;
    },
    stop: () => {
      spinner.stop();
    },
  };
}
