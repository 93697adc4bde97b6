import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, test } from 'node:test';
import { RawPeer, type Cleanup } from '../helpers/raw-peer.js';
import { readyPort, spawnSup } from './harness.js';

function freePortTaken(cleanup: Cleanup): Promise<number> {
  const blocker = createServer();
  cleanup.after(() => blocker.close());
  return new Promise((resolve) => blocker.listen(0, '127.0.0.1', () => resolve((blocker.address() as { port: number }).port)));
}

describe('sup server', { timeout: 20_000 }, () => {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    test(`when it gets ${signal}, then it closes every connection and exits 0`, async (t) => {
      const run = spawnSup(['server', '--port', '0'], t);
      const port = await readyPort(run);
      // The ready line, and the log's own line for the same event (text format: time, level, event, fields).
      assert.match(run.stderr(), /^\S+Z info listening host=127\.0\.0\.1 port=\d+ tls=false\nsup server listening on 127\.0\.0\.1:\d+\n$/);
      const alice = await RawPeer.connect(port, t);
      assert.deepEqual(await alice.request(['login alice', 'get contacts'], 3), ['status 000 OK', 'status 000 OK', 'contacts alice']);

      run.child.kill(signal);
      assert.deepEqual(await run.exited, { code: 0, signal: null });
      await alice.closed;
      assert.equal(run.stdout(), '');
    });
  }

  test('when limits are given as flags, then the server enforces them', async (t) => {
    const run = spawnSup(['server', '--port', '0', '--max-frame-bytes', '64', '--max-connections', '2'], t);
    const port = await readyPort(run);
    const alice = await RawPeer.connect(port, t);
    assert.deepEqual(await alice.request(['login alice', `send alice ${'x'.repeat(54)}`]), [
      'status 000 OK',
      'status 107 Message Too Long',
    ]);
    const bob = await RawPeer.connect(port, t);
    assert.deepEqual(await bob.request('login bob'), ['status 000 OK']);
    const third = await RawPeer.connect(port, t);
    assert.deepEqual(await third.rest(), { frames: ['status 201 Server Full'], trailing: '' });
    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
  });

  test('when --login-timeout-ms is given, then a connection that does not log in is closed', async (t) => {
    const run = spawnSup(['server', '--port', '0', '--login-timeout-ms', '100'], t);
    const idle = await RawPeer.connect(await readyPort(run), t);
    assert.deepEqual(await idle.rest(), { frames: [], trailing: '' });
    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
  });

  for (const args of [
    ['--port', '99999'],
    ['--port', 'abc'],
    ['--max-connections', '0'],
    ['--max-frame-bytes', '10'],
    ['--login-timeout-ms', '-5'],
    ['--idle-timeout-ms', '-1'],
    ['--max-buffered-bytes', '10'],
    ['--shutdown-timeout-ms', 'soon'],
    ['--no-such-flag'],
  ]) {
    test(`when given ${args.join(' ')}, then it exits 2 with a one-line error`, async (t) => {
      const run = spawnSup(['server', ...args], t);
      assert.deepEqual(await run.exited, { code: 2, signal: null });
      assert.match(run.stderr(), /^sup: [^\n]+\n$/);
      assert.equal(run.stdout(), '');
    });
  }

  test('when the port is taken, then it exits non-zero with one line naming the port', async (t) => {
    const port = await freePortTaken(t);
    const run = spawnSup(['server', '--port', String(port)], t);
    const { code } = await run.exited;
    assert.notEqual(code, 0);
    assert.match(run.stderr(), new RegExp(`^sup: [^\\n]*127\\.0\\.0\\.1:${port}[^\\n]*in use[^\\n]*\\n$`));
  });
});
