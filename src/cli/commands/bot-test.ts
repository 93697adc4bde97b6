import { spawn } from 'node:child_process';
import { supResolutionImport } from '../../bot/module-resolve.js';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import type { CliIo } from '../io.js';

/**
 * Runs node's test runner on plugin tests, with `sup` and `sup/testing` resolving to this
 * package, so a plugin folder needs no install. Exit 1 when a test fails.
 */
export async function runBotTest(files: string[], io: CliIo): Promise<void> {
  const child = spawn(process.execPath, ['--import', supResolutionImport(), '--test', '--test-reporter=spec', ...files], {
    cwd: io.cwd,
    env: io.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(io.stdout, { end: false });
  child.stderr.pipe(io.stderr, { end: false });
  const stop = (): void => {
    child.kill('SIGTERM');
  };
  io.shutdown.addEventListener('abort', stop, { once: true });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (exitCode) => resolve(exitCode));
  }).finally(() => io.shutdown.removeEventListener('abort', stop));
  if (code === 0) return;
  if (io.shutdown.aborted) throw new CliError(ExitCode.Interrupted, 'sup bot test: stopped before the tests finished');
  throw new CliError(ExitCode.Negative, `sup bot test: the tests failed (node --test exited with ${code ?? 'a signal'}); see the report above`);
}
