import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loggedIn } from '../helpers/server.js';
import { RawPeer } from '../helpers/raw-peer.js';
import { BIN, readyPort, runSup, spawnSup, startCli, startProcess, tempDir, type Cleanup, type Proc } from './harness.js';

const ECHO = fileURLToPath(new URL('../../bots/echo.js', import.meta.url));

const OK = 'status 000 OK';

/** The JSON log lines on stderr (everything but the ready line and a final `sup:` line). */
function jsonLines(run: Proc): Array<Record<string, unknown>> {
  return run
    .stderr()
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A recipient that does not read, sent `count` acknowledged messages of 8 KB. */
async function backlog(port: number, t: Cleanup, count: number): Promise<RawPeer> {
  const bob = await loggedIn(port, t, 'bob');
  bob.socket.pause();
  const alice = await loggedIn(port, t, 'alice');
  const statuses = await alice.request(Array.from({ length: count }, (_, i) => `send bob ${String(i).padStart(6, '0')}${'x'.repeat(8 * 1024 - 6)}`));
  assert.deepEqual(new Set(statuses), new Set([OK]));
  return bob;
}

describe('sup server shutdown', { timeout: 60_000 }, () => {
  test('when SIGTERM comes while a recipient is behind, then every acknowledged message reaches it, the JSON log says so, and it exits 0', async (t) => {
    const run = spawnSup(['server', '--port', '0', '--log-format', 'json'], t);
    const bob = await backlog(await readyPort(run), t, 1000);
    run.child.kill('SIGTERM');
    // The recipient catches up only after the signal: the server must wait for it.
    bob.startReading();
    const { frames } = await bob.rest();
    assert.equal(frames.length, 1000);
    frames.forEach((frame, i) => assert.ok(frame.startsWith(`recv alice ${String(i).padStart(6, '0')}`), `frame ${i} is message ${i}`));
    assert.deepEqual(await run.exited, { code: 0, signal: null });
    const [shutdown, ...more] = jsonLines(run).filter((line) => line.event === 'shutdown');
    assert.equal(more.length, 0);
    assert.equal(shutdown!.level, 'info');
    assert.equal(shutdown!.droppedMessages, 0);
    assert.equal(shutdown!.connections, 2);
    assert.ok((shutdown!.flushedMessages as number) > 0, run.stderr());
    assert.match(String(shutdown!.time), /^\d{4}-\d\d-\d\dT/);
    assert.equal(run.stdout(), '');
  });

  test('when the shutdown deadline cuts off acknowledged messages, then it logs how many and exits 7', async (t) => {
    const run = spawnSup(['server', '--port', '0', '--log-format', 'json', '--shutdown-timeout-ms', '100'], t);
    const bob = await backlog(await readyPort(run), t, 1000);
    run.child.kill('SIGINT');
    assert.deepEqual(await run.exited, { code: 7, signal: null });
    const [shutdown] = jsonLines(run).filter((line) => line.event === 'shutdown');
    assert.equal(shutdown!.level, 'warn');
    assert.equal(shutdown!.timedOut, true);
    const dropped = shutdown!.droppedMessages as number;
    assert.ok(dropped > 0);
    assert.match(run.stderr(), new RegExp(`\\nsup: [^\\n]*cut off ${dropped} acknowledged message[^\\n]*--shutdown-timeout-ms[^\\n]*\\n$`));
    // Exactly what was counted is missing: everything else still arrives.
    bob.startReading();
    const { frames } = await bob.rest();
    assert.equal(frames.length + dropped, 1000);
  });

  test('when --max-connections does not fit under ulimit -n, then it lowers the limit with a warning and refuses the rest with 201', async (t) => {
    const limit = 128;
    const run = startProcess('sh', ['-c', `ulimit -n ${limit} && exec "$0" "$1" server --port 0 --log-format json`, process.execPath, BIN], t);
    const port = await readyPort(run);
    const [warning] = jsonLines(run).filter((line) => line.event === 'max-connections-lowered');
    assert.equal(warning!.level, 'warn');
    assert.equal(warning!.maxConnections, 10_000);
    assert.equal(warning!.openFilesLimit, limit);
    const effective = warning!.effectiveMaxConnections as number;
    assert.ok(effective > 0 && effective < limit);
    const users: RawPeer[] = [];
    for (let i = 0; i < effective; i++) users.push(await loggedIn(port, t, `user${i}`));
    // Past the limit, all at once and more than there are descriptors: each gets 201 and a clean close, never a reset.
    const extras = await Promise.all(Array.from({ length: limit }, () => RawPeer.connect(port, t)));
    for (const extra of extras) {
      assert.deepEqual(await extra.rest(), { frames: ['status 201 Server Full'], trailing: '' });
      assert.equal(extra.closeError, undefined);
    }
    assert.deepEqual(await users[0]!.request('contact user1'), ['status 001 Online']);
    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
  });

  test('when sup bot --embedded-server stops with acknowledged messages cut off, then it logs them and exits 7 too', async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'sup.config.json'), JSON.stringify({ server: { shutdownTimeoutMs: 50 } }));
    const run = startCli(['bot', '--embedded-server', ECHO, '-u', 'echo', '-p', '0', '--state-dir', dir], t, { cwd: dir });
    await run.stderr.until(/sup server listening on 127\.0\.0\.1:\d+\n/);
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(run.stderr.text)![1]);
    await backlog(port, t, 1000);
    run.shutdown();
    assert.equal(await run.exited, 7);
    assert.match(run.stderr.text, / warn shutdown component=server [^\n]*droppedMessages=[1-9]/);
    assert.match(run.stderr.text, /\nsup: [^\n]*cut off [1-9]\d* acknowledged message/);
  });

  test('when help is asked for, then the new flags show their defaults and exit code 7 is listed', async (t) => {
    const server = await runSup(['server', '--help'], t);
    for (const flag of ['--idle-timeout-ms <n>', '--max-buffered-bytes <n>', '--shutdown-timeout-ms <n>']) assert.ok(server.stdout.includes(flag), flag);
    assert.match(server.stdout, /default: 300000/);
    assert.match(server.stdout, /default: 268435456/);
    assert.match(server.stdout, /default: 5000/);
    assert.match((await runSup(['--help'], t)).stdout, /^  7  sup server .*shutdown deadline cut off acknowledged messages$/m);
  });
});
