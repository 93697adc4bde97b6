import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Cleanup, closedPort, loggedIn, startServer, supOnPath, tempDir, untilOnline, BUILT_CLI } from './harness.js';

/*
 * The README's "Recipes" section, word for word: these tests run each one against a real
 * server, so the README shows only commands that work. Change them here and there together.
 */
const CRON_RECIPE = `# crontab -e: at 03:00, tell ops the backup is done. Exit 1 only means ops was
# offline; any other failure leaves sup's one-line reason and a note in ~/sup.log.
SUP_USER=backup
0 3 * * *  sup send -q ops "backup done on $(uname -n)" 2>>"$HOME/sup.log" || [ $? -eq 1 ] || echo "$(date): sup failed" >>"$HOME/sup.log"`;

const WAIT_RECIPE = `# Wait for alice to come online, then tell her. Exit 1 means offline: keep
# waiting; any other code is a real failure (no server, bad config): give up with it.
until sup status -q alice; do
  rc=$?; [ "$rc" -eq 1 ] || exit "$rc"
  sleep 1
done
sup send alice "the build is green"`;

const TAIL_RECIPE = `# Send each new ERROR line of a growing log to ops as it is written:
tail -n 0 -F /var/log/app.log | grep --line-buffered ERROR | sup send ops --lines`;

const GREP_RECIPE = `# Or a finished log at once, one message per line, in order:
grep ERROR /var/log/app.log | sup send ops --lines`;

const README = fileURLToPath(new URL('../../README.md', import.meta.url));

interface Shell {
  child: ChildProcess;
  /** $HOME and the working directory of the script. */
  home: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Runs a script with `sup` on the PATH as the built CLI. Detached into its own process
 * group, so the whole pipeline can be signalled, and killed if the test fails half-way.
 */
function runShell(shellName: 'bash' | 'sh', script: string, t: Cleanup, env: NodeJS.ProcessEnv): Shell {
  assert.ok(existsSync(BUILT_CLI), `${BUILT_CLI} is missing: run \`npm run build\` first (npm test does)`);
  const home = tempDir(t, 'sup-recipe-');
  const path = supOnPath(home);
  const child = spawn(shellName, ['-c', script], {
    cwd: home,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { PATH: path, HOME: home, ...env },
  });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (output += text));
  const exited = once(child, 'close').then(([code, signal]) => ({ code: code as number | null, signal: signal as NodeJS.Signals | null }));
  t.after(() => signalGroup(child, 'SIGKILL'));
  return { child, home, output: () => output, exited };
}

function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch {
    // Already gone.
  }
}

/** The command of the crontab's job line (after its five time fields) and the variables set above it. */
function parseCrontab(crontab: string): { env: Record<string, string>; command: string } {
  const env: Record<string, string> = {};
  let command: string | undefined;
  for (const line of crontab.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const assignment = /^([A-Z_]+)=(.*)$/.exec(line);
    if (assignment) env[assignment[1]!] = assignment[2]!;
    else command = line.replace(/^(\S+\s+){5}/, '');
  }
  assert.ok(command, 'the crontab has a job line');
  return { env, command };
}

/** ~/sup.log as the cron job left it; the redirection creates it even when nothing is written. */
function readLog(home: string): string {
  const file = join(home, 'sup.log');
  return existsSync(file) ? readFileSync(file, 'utf8') : '';
}


/** A TCP relay in front of the server that tells when each client connection has ended. */
async function countingRelay(target: number, t: Cleanup): Promise<{ port: number; ended: (count: number) => Promise<void> }> {
  let ended = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const relay: Server = createServer((client) => {
    const upstream = connect({ port: target, host: '127.0.0.1' });
    client.pipe(upstream).pipe(client);
    const done = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', done).on('close', done);
    upstream.on('error', done).on('close', done);
    client.once('close', () => {
      ended++;
      for (const waiter of waiters.filter((w) => w.count <= ended)) waiter.resolve();
    });
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', () => resolve()));
  t.after(() => new Promise<void>((resolve) => relay.close(() => resolve())));
  relay.on('connection', (socket) => t.after(() => socket.destroy()));
  return {
    port: (relay.address() as { port: number }).port,
    ended: (count) => (ended >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }))),
  };
}

describe('README recipes', { timeout: 20_000 }, () => {
  describe('the cron line', () => {
    const { env, command } = parseCrontab(CRON_RECIPE);

    test('when ops is online, then ops gets the message and nothing is logged', async (t) => {
      const { port } = await startServer(t);
      const ops = await loggedIn(port, t, 'ops');
      // cron runs jobs with /bin/sh.
      const run = runShell('sh', command, t, { ...env, SUP_PORT: String(port) });
      assert.deepEqual(await run.exited, { code: 0, signal: null });
      assert.match(await ops.frame(), /^recv backup backup done on \S+$/);
      assert.equal(readLog(run.home), '');
    });

    test('when ops is offline, then the job stays quiet: exit 1 is not a failure', async (t) => {
      const { port } = await startServer(t);
      const run = runShell('sh', command, t, { ...env, SUP_PORT: String(port) });
      assert.deepEqual(await run.exited, { code: 0, signal: null });
      assert.equal(readLog(run.home), '');
    });

    test('when no server runs, then the log gets sup\'s reason and the note', async (t) => {
      const port = await closedPort();
      const run = runShell('sh', command, t, { ...env, SUP_PORT: String(port) });
      await run.exited;
      const log = readLog(run.home).split('\n');
      assert.match(log[0]!, /^sup: cannot connect to 127\.0\.0\.1:\d+ \(connection refused\)/);
      assert.match(log[1]!, /: sup failed$/);
    });
  });

  describe('the wait loop', () => {
    test('when alice comes online while it waits, then it stops waiting and she gets the message', async (t) => {
      const { port } = await startServer(t);
      const relay = await countingRelay(port, t);
      const run = runShell('bash', WAIT_RECIPE, t, { SUP_PORT: String(relay.port), SUP_USER: 'ci' });
      // The first `sup status` has come and gone, finding alice offline.
      await relay.ended(1);
      const alice = await loggedIn(port, t, 'alice');
      assert.deepEqual(await run.exited, { code: 0, signal: null });
      assert.equal(await alice.frame(), 'recv ci the build is green');
      assert.equal(run.output(), '');
    });

    test('when there is no server, then it gives up at once with exit 3 instead of waiting forever', async (t) => {
      const run = runShell('bash', WAIT_RECIPE, t, { SUP_PORT: String(await closedPort()) });
      assert.deepEqual(await run.exited, { code: 3, signal: null });
      assert.match(run.output(), /^sup: cannot connect to [^\n]*\n$/);
    });
  });

  describe('piping a log', () => {
    test('when ERROR lines are appended to the log, then each reaches ops as it is written, in order', async (t) => {
      const { port } = await startServer(t);
      const ops = await loggedIn(port, t, 'ops');
      const log = join(tempDir(t), 'app.log');
      writeFileSync(log, 'ERROR old news, before tail started\n');
      const run = runShell('bash', TAIL_RECIPE.replace('/var/log/app.log', log), t, { SUP_PORT: String(port), SUP_USER: 'app' });
      // Until sup is logged in, appended lines could race tail's start; wait for it.
      await untilOnline(port, t, 'app');
      appendFileSync(log, 'INFO all fine\nERROR disk full\n');
      assert.equal(await ops.frame(), 'recv app ERROR disk full');
      appendFileSync(log, 'ERROR still full\n');
      assert.equal(await ops.frame(), 'recv app ERROR still full');
      signalGroup(run.child, 'SIGTERM');
      await run.exited;
      assert.equal(run.output(), '');
    });

    test('when a finished log is piped in, then its ERROR lines go in order and it exits 0', async (t) => {
      const { port } = await startServer(t);
      const ops = await loggedIn(port, t, 'ops');
      const log = join(tempDir(t), 'app.log');
      writeFileSync(log, 'ERROR one\nINFO skip\nERROR two\nERROR three\n');
      const run = runShell('bash', GREP_RECIPE.replace('/var/log/app.log', log), t, { SUP_PORT: String(port), SUP_USER: 'app' });
      assert.deepEqual(await run.exited, { code: 0, signal: null });
      assert.deepEqual(await ops.frames(3), ['recv app ERROR one', 'recv app ERROR two', 'recv app ERROR three']);
    });
  });

  test('when the README is read, then its Recipes section shows these recipes word for word', () => {
    const readme = readFileSync(README, 'utf8');
    assert.ok(readme.includes('## Recipes'), 'README.md has no "## Recipes" section');
    for (const recipe of [CRON_RECIPE, WAIT_RECIPE, TAIL_RECIPE, GREP_RECIPE]) {
      assert.ok(readme.includes(recipe), `README.md lacks, word for word:\n${recipe}`);
    }
  });
});
