import assert from 'node:assert/strict';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  BIN,
  closedPort,
  loggedIn,
  ScriptedServer,
  spawnSup,
  startProcess,
  startServer,
  tempDir,
  untilOnline,
  type Cleanup,
  type Proc,
  type ProcOptions,
  worldReadableBin,
} from './harness.js';

const HAS_SCRIPT = spawnSync('script', ['--version'], { stdio: 'ignore' }).status === 0;
// Any SGR sequence (colour, bold, ...): what NO_COLOR forbids. Cursor moves are not colour.
const SGR = /\x1b\[[0-9;]*m/;

/** A shell command line with `sup` meaning the built CLI. */
function shell(line: string, t: Cleanup, options: ProcOptions = {}): Proc {
  return startProcess('bash', ['-c', `sup() { ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"; }\n${line}`], t, options);
}

function until(read: () => string, pattern: RegExp, child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (!pattern.test(read())) return;
      child.stdout!.off('data', check);
      child.stderr!.off('data', check);
      resolve();
    };
    child.stdout!.on('data', check);
    child.stderr!.on('data', check);
    child.once('close', () => reject(new Error(`exited before ${pattern} appeared: ${read()}`)));
    check();
  });
}


describe('sup as a real process', { timeout: 20_000 }, () => {
  test('when `sup send` delivers, then it exits 0 silently and the message arrives', async (t) => {
    const { port } = await startServer(t);
    const bob = await loggedIn(port, t, 'bob');
    const run = spawnSup(['send', 'bob', 'build', 'is', 'green', '-p', String(port), '-u', 'alice'], t);
    assert.deepEqual(await run.exited, { code: 0, signal: null });
    assert.equal(run.stdout() + run.stderr(), '');
    assert.equal(await bob.frame(), 'recv alice build is green');
  });

  test('when `sup status` asks about someone offline, then it prints offline and exits 1', async (t) => {
    const { port } = await startServer(t);
    const run = spawnSup(['status', 'carol'], t, { env: { SUP_PORT: String(port) } });
    assert.deepEqual(await run.exited, { code: 1, signal: null });
    assert.equal(run.stdout(), 'offline\n');
    assert.equal(run.stderr(), '');
  });

  test('when nothing listens on the port, then `sup send` exits 3 with exactly one line', async (t) => {
    const port = await closedPort();
    const run = spawnSup(['send', 'bob', 'hi', '-p', String(port), '-u', 'alice'], t);
    assert.deepEqual(await run.exited, { code: 3, signal: null });
    assert.equal(run.stderr(), `sup: cannot connect to 127.0.0.1:${port} (connection refused): is a server running? try 'sup server'\n`);
    assert.equal(run.stdout(), '');
  });

  test('when a usage error happens, then it exits 2 with one line, not commander\'s 1', async (t) => {
    const run = spawnSup(['send'], t);
    assert.deepEqual(await run.exited, { code: 2, signal: null });
    assert.match(run.stderr(), /^sup: missing required argument 'user'[^\n]*\n$/);
  });

  test("when `printf 'a\\nb\\n' | sup send bob --lines` runs, then both lines arrive in order", async (t) => {
    const { port } = await startServer(t);
    const bob = await loggedIn(port, t, 'bob');
    const run = shell(`printf 'a\\nb\\n' | sup send bob --lines`, t, { env: { SUP_PORT: String(port), SUP_USER: 'alice' } });
    assert.deepEqual(await run.exited, { code: 0, signal: null });
    assert.equal(run.stderr(), '');
    assert.deepEqual(await bob.frames(2), ['recv alice a', 'recv alice b']);
  });

  test('when stdin never ends and is over the frame limit, then `sup send` stops reading and exits 2', async (t) => {
    const fake = await ScriptedServer.start(t);
    // `yes` writes forever: only stopping at the limit lets sup (and then the pipeline) end.
    const run = shell(`yes aaaaaaaaaaaaaaa | sup send bob -p ${fake.port} -u alice; echo "sup exited $?" >&2`, t);
    assert.deepEqual(await run.exited, { code: 0, signal: null });
    assert.match(run.stderr(), /^sup: cannot send: the message is too long: stdin holds more than \d+ bytes[^\n]*\nsup exited 2\n$/);
    assert.equal(fake.accepted, 0);
  });

  test('when stdin is a directory, then `sup send` says so with exit 2', async (t) => {
    const dir = tempDir(t);
    for (const flags of [[], ['--lines']]) {
      const run = shell(`sup send bob -u alice ${flags.join(' ')} < ${JSON.stringify(dir)}`, t);
      assert.deepEqual(await run.exited, { code: 2, signal: null });
      assert.equal(run.stderr(), 'sup: stdin is a directory, not a file or a pipe: redirect a file (< FILE) or pipe the text in\n');
    }
  });

  test('when `sup send bob` reads the message from a pipe, then stdin is the message', async (t) => {
    const { port } = await startServer(t);
    const bob = await loggedIn(port, t, 'bob');
    const run = spawnSup(['send', 'bob', '-p', String(port), '-u', 'alice'], t, { stdin: 'disk 91% full\n' });
    assert.deepEqual(await run.exited, { code: 0, signal: null });
    assert.equal(await bob.frame(), 'recv alice disk 91% full');
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`when \`sup listen\` prints a message and gets ${signal}, then it logs off and exits 0`, async (t) => {
      const { port } = await startServer(t);
      const run = spawnSup(['listen', '-p', String(port), '-u', 'lis'], t);
      await untilOnline(port, t, 'lis');
      const bob = await loggedIn(port, t, 'bob');
      assert.deepEqual(await bob.request('send lis are you there?'), ['status 000 OK']);
      await until(run.stdout, /\n/, run.child);
      assert.equal(run.stdout(), 'bob are you there?\n');
      run.child.kill(signal);
      assert.deepEqual(await run.exited, { code: 0, signal: null });
      assert.equal(run.stderr(), '');
      assert.deepEqual(await bob.request('contact lis'), ['status 103 Offline']);
    });
  }

  test('when `sup listen | head -1` closes the pipe, then sup exits 0 without a stack trace', async (t) => {
    const { port } = await startServer(t);
    const run = shell(`sup listen -p ${port} -u lis | head -1; echo "sup exited \${PIPESTATUS[0]}" >&2`, t);
    await untilOnline(port, t, 'lis');
    const bob = await loggedIn(port, t, 'bob');
    let closed = false;
    void run.exited.then(() => (closed = true));
    // sup learns that head is gone only when a later write fails, so keep writing until it does.
    for (let i = 1; !closed; i++) {
      const [answer] = await bob.request(`send lis message ${i}`);
      if (answer !== 'status 000 OK') break;
      await Promise.race([run.exited, new Promise((resolve) => setTimeout(resolve, 20))]);
    }
    assert.deepEqual(await run.exited, { code: 0, signal: null });
    assert.equal(run.stdout(), 'bob message 1\n');
    assert.equal(run.stderr(), 'sup exited 0\n');
  });

  for (const noColor of [undefined, '1']) {
    test(`when stderr is a pipe${noColor ? ' and NO_COLOR is set' : ''}, then no spinner or escape code is printed`, async (t) => {
      const silent = await ScriptedServer.start(t, { login: null });
      const env = noColor === undefined ? {} : { NO_COLOR: noColor };
      const run = spawnSup(['status', 'bob', '--timeout', '300', '-p', String(silent.port)], t, { env });
      assert.deepEqual(await run.exited, { code: 3, signal: null });
      assert.doesNotMatch(run.stderr(), /\x1b/);
      assert.match(run.stderr(), /^sup: timed out after 300 ms[^\n]*\n$/);
    });
  }

  test('when a config file is found above the working directory, then the built CLI takes the port from it', async (t) => {
    const { port } = await startServer(t);
    const root = tempDir(t);
    const cwd = join(root, 'deeper', 'still');
    mkdirSync(cwd, { recursive: true });
    writeFileSync(join(root, '.suprc.yaml'), `port: ${port}\nuser: yaml-user\n`);
    // A package.json on the way without a "sup" key is not a config.
    writeFileSync(join(root, 'deeper', 'package.json'), '{"name": "app", "bin": {"sup": "x"}}');
    const run = spawnSup(['status', 'carol', '--json'], t, { cwd });
    assert.deepEqual(await run.exited, { code: 1, signal: null });
    assert.equal(run.stdout(), '{"user":"carol","online":false}\n');
    assert.equal(run.stderr(), '');
  });

  test('when the found config cannot be read, then it exits 2 naming it, not a silent default', async (t) => {
    const cwd = tempDir(t);
    chmodSync(cwd, 0o755);
    const file = join(cwd, 'sup.config.json');
    writeFileSync(file, '{"port": 1}');
    chmodSync(file, 0o000);
    // Root reads any file whatever its mode, so run as nobody then, from a copy nobody can reach.
    const asRoot = process.getuid?.() === 0;
    const asNobody = asRoot ? { uid: 65534, gid: 65534 } : {};
    const bin = asRoot ? worldReadableBin(t) : BIN;
    const run = startProcess(process.execPath, [bin, 'status', 'bob'], t, { cwd, ...asNobody });
    assert.deepEqual(await run.exited, { code: 2, signal: null });
    assert.equal(run.stderr(), `sup: cannot read config ${file}: permission denied; fix or remove the file\n`);
  });
});

describe('sup on a terminal', { timeout: 20_000, skip: HAS_SCRIPT ? false : 'needs `script` (util-linux) for a pseudo-terminal' }, () => {
  /** Runs sup under a pseudo-terminal; `columns` 0 leaves the terminal without a size. */
  function onTerminal(args: readonly string[], columns: number, t: Cleanup, options: ProcOptions = {}): Proc {
    // timeout(1) is the safety net: a sup stuck in a loop must not outlive the test. `exec`: no
    // shell waits in between, since Ctrl-C would kill it, as it does not kill an interactive one.
    const command = ['timeout', '--foreground', '-s', 'KILL', '10', process.execPath, BIN, ...args]
      .map((word) => `'${word}'`)
      .join(' ');
    const size = columns > 0 ? `stty cols ${columns} rows 24; ` : '';
    return startProcess('script', ['-qec', `${size}exec ${command}`, '/dev/null'], t, options);
  }

  test('when stderr is a terminal, then a coloured spinner shows while connecting', async (t) => {
    const silent = await ScriptedServer.start(t, { login: null });
    const run = onTerminal(['status', 'bob', '--timeout', '300', '-p', String(silent.port)], 80, t);
    assert.equal((await run.exited).code, 3);
    assert.match(run.stdout(), new RegExp(`connecting to 127\\.0\\.0\\.1:${silent.port}`));
    assert.match(run.stdout(), SGR);
  });

  test('when NO_COLOR is set on a terminal, then the spinner has no colour codes', async (t) => {
    const silent = await ScriptedServer.start(t, { login: null });
    const run = onTerminal(['status', 'bob', '--timeout', '300', '-p', String(silent.port)], 80, t, { env: { NO_COLOR: '1' } });
    assert.equal((await run.exited).code, 3);
    assert.match(run.stdout(), /connecting to/);
    assert.doesNotMatch(run.stdout(), SGR);
  });

  test('when --quiet or --json is given on a terminal, then no spinner shows', async (t) => {
    const silent = await ScriptedServer.start(t, { login: null });
    for (const flag of ['--quiet', '--json']) {
      const run = onTerminal(['status', 'bob', flag, '--timeout', '300', '-p', String(silent.port)], 80, t);
      assert.equal((await run.exited).code, 3);
      assert.doesNotMatch(run.stdout(), /connecting to|\x1b\[\?25l/);
    }
  });

  test('when Ctrl-C is typed at `sup listen` on a terminal, then it logs off and exits 0, as off a terminal', async (t) => {
    const { port } = await startServer(t);
    const run = onTerminal(['listen', '-p', String(port), '-u', 'lis'], 80, t, { openStdin: true });
    await untilOnline(port, t, 'lis');
    run.child.stdin!.write('\x03');
    assert.deepEqual(await run.exited, { code: 0, signal: null }, run.stdout());
    assert.doesNotMatch(run.stdout(), /sup: /);
    const bob = await loggedIn(port, t, 'bob');
    assert.deepEqual(await bob.request('contact lis'), ['status 103 Offline']);
  });

  test('when Ctrl-C is typed while `sup send --reply` waits on a terminal, then it exits 130 saying so, as off a terminal', async (t) => {
    const { port } = await startServer(t);
    const bob = await loggedIn(port, t, 'bob');
    const args = ['send', 'bob', 'ready?', '--reply', '-u', 'alice', '-p', String(port), '--timeout', '60000'];
    const offTerminal = spawnSup(args, t);
    assert.equal(await bob.frame(), 'recv alice ready?');
    offTerminal.child.kill('SIGINT');
    assert.deepEqual(await offTerminal.exited, { code: 130, signal: null });
    const onTty = onTerminal(args, 80, t, { openStdin: true });
    assert.equal(await bob.frame(), 'recv alice ready?');
    onTty.child.stdin!.write('\x03');
    assert.deepEqual(await onTty.exited, { code: 130, signal: null }, onTty.stdout());
    const said = offTerminal.stderr().trim();
    assert.match(said, /^sup: interrupted/);
    assert.ok(onTty.stdout().includes(said), `${JSON.stringify(said)} in ${JSON.stringify(onTty.stdout())}`);
  });

  test('when the terminal reports no width, then sup still gives up within --timeout (no spinner loop)', { timeout: 5_000 }, async (t) => {
    const silent = await ScriptedServer.start(t, { login: null });
    const run = onTerminal(['status', 'bob', '--timeout', '300', '-p', String(silent.port)], 0, t);
    assert.equal((await run.exited).code, 3);
    assert.match(run.stdout(), /sup: timed out after 300 ms/);
  });
});
