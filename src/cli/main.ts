import { runCli } from './program.js';

/** The process entry: wires the real streams and signals to the CLI and returns the exit code. */
export async function main(args: readonly string[]): Promise<number> {
  const shutdown = new AbortController();
  const stop = (): void => shutdown.abort();
  // A reader that went away (`sup listen | head -1`) ends the command like a signal would.
  const onStdoutError = (error: NodeJS.ErrnoException): void => {
    if (error.code === 'EPIPE') stop();
  };
  // Kept (`on`) until the process exits: a spinner's signal-exit re-raises any signal it thinks
  // no one else handles, which made Ctrl-C exit 130 on a terminal only, and a repeated signal
  // (timeout(1) forwards its own) may come after the command is done.
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  process.stdout.on('error', onStdoutError);
  return runCli(args, {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    shutdown: shutdown.signal,
    cwd: process.cwd(),
    captureWarnings,
  });
}

/** Replaces Node's warning printer (a plain 'warning' listener) with `onWarning`, and back. */
function captureWarnings(onWarning: (warning: Error) => void): () => void {
  const printers = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', onWarning);
  return () => {
    process.off('warning', onWarning);
    for (const printer of printers) process.on('warning', printer);
  };
}
