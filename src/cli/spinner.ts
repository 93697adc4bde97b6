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
  if (!wanted || stderr.isTTY !== true || io.env.TERM === 'dumb') return NO_PROGRESS;
  // A terminal that reports no width (`script` without a size, some serial consoles) sends
  // ora into an endless loop clearing Infinity lines: no spinner there.
  if (!(typeof stderr.columns === 'number' && stderr.columns > 0)) return NO_PROGRESS;
  const { default: ora } = await import('ora');
  const noColor = io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '';
  // isEnabled: the decision is made above, from the injected env; ora's own check would
  // print a plain "- connecting" line instead when CI is set in the process env.
  const spinner = ora({
    text,
    stream: stderr,
    color: noColor ? false : 'cyan',
    discardStdin: false,
    isEnabled: true,
  }).start();
  return {
    update: (next) => {
      spinner.text = next;
    },
    stop: () => {
      spinner.stop();
    },
  };
}
