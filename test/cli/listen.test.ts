import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loggedIn, runSup, ScriptedServer, spawnSup, startCli, startServer, untilOnline } from './harness.js';

describe('sup listen --from, --count and --timeout', { timeout: 20_000 }, () => {
  test('when a script waits for one answer from deploybot, then the built CLI prints only it and exits 0, logged off', async (t) => {
    const { port } = await startServer(t);
    const run = spawnSup(['listen', '--from', 'deploybot', '--count', '1', '--timeout', '60000', '-p', String(port), '-u', 'ci'], t);
    await untilOnline(port, t, 'ci');
    const alice = await loggedIn(port, t, 'alice');
    const deploybot = await loggedIn(port, t, 'deploybot');
    assert.deepEqual(await alice.request('send ci not from the bot'), ['status 000 OK']);
    assert.deepEqual(await deploybot.request('send ci deployed v2'), ['status 000 OK']);
    assert.deepEqual(await run.exited, { code: 0, signal: null });
    assert.equal(run.stdout(), 'deploybot deployed v2\n');
    assert.equal(run.stderr(), '');
    assert.deepEqual(await alice.request('contact ci'), ['status 103 Offline']);
  });

  test('when more messages come than --count, then it prints exactly that many and quits', async (t) => {
    const fake = await ScriptedServer.start(t);
    const run = startCli(['listen', '--count', '2', '--json', '-p', String(fake.port), '-u', 'lis'], t);
    await fake.frame(/^login lis$/);
    fake.push('recv bob one', 'recv carol two', 'recv bob three');
    assert.equal(await run.exited, 0);
    assert.deepEqual(
      run.stdout.lines.map((line) => (JSON.parse(line) as { text: string }).text),
      ['one', 'two'],
    );
    assert.deepEqual(fake.frames, ['login lis', 'quit lis']);
  });

  test('when --count messages do not come within --timeout, then it exits 3 saying how many came', async (t) => {
    const fake = await ScriptedServer.start(t);
    const run = startCli(['listen', '--from', 'deploybot', '--count', '2', '--timeout', '2000', '-p', String(fake.port), '-u', 'lis'], t);
    await fake.frame(/^login lis$/);
    fake.push('recv alice ignored', 'recv deploybot first');
    assert.equal(await run.exited, 3);
    assert.equal(run.stdout.text, 'deploybot first\n');
    assert.equal(
      run.stderr.text,
      'sup: waited 2000 ms for 2 messages from "deploybot": only 1 came; raise --timeout to wait longer\n',
    );
  });

  test('when --count or --from is not usable, then it exits 2 before connecting', async (t) => {
    const fake = await ScriptedServer.start(t);
    for (const flags of [['--count', '0'], ['--count', 'two'], ['--from', 'two words']]) {
      const result = await runSup(['listen', ...flags, '-p', String(fake.port), '-u', 'lis'], t);
      assert.equal(result.code, 2, flags.join(' '));
      assert.match(result.stderr, flags[0] === '--from' ? /^sup: invalid username "two words" \(from --from\)/ : /--count/);
    }
    assert.equal(await fake.acceptedBeforeProbe(), 0);
  });

  test('when --help is asked, then it says what --timeout bounds with and without --count', async (t) => {
    const result = await runSup(['listen', '--help'], t);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /--from <user>/);
    assert.match(result.stdout, /--count <n>/);
    assert.match(result.stdout, /--timeout bounds the whole operation only with --count/);
  });
});

describe('sup listen when the connection drops', { timeout: 20_000 }, () => {
  test('when the connection is lost and comes back, then stderr says so once each, and stdout carries only messages', async (t) => {
    const fake = await ScriptedServer.start(t);
    const run = startCli(['listen', '-p', String(fake.port), '-u', 'lis'], t);
    await fake.frame(/^login lis$/);
    fake.push('recv bob before');
    await run.stdout.until(/before\n/);
    await fake.closeConnections();
    await run.stderr.until(/reconnected/);
    fake.push('recv bob after');
    await run.stdout.until(/after\n/);
    assert.equal(run.stdout.text, 'bob before\nbob after\n');
    const where = `127.0.0.1:${fake.port}`;
    assert.equal(run.stderr.lines[0], `sup: lost the connection to ${where} (closed by the server); reconnecting until it is back`);
    assert.deepEqual(run.stderr.lines.slice(1), [`sup: reconnected to ${where}`]);
    run.shutdown();
    assert.equal(await run.exited, 0);
    assert.equal(run.stderr.lines.length, 2);
  });

  test('when -q is given and the connection drops and comes back, then nothing is said on stderr', async (t) => {
    const fake = await ScriptedServer.start(t);
    const run = startCli(['listen', '-q', '--count', '1', '-p', String(fake.port), '-u', 'lis'], t);
    await fake.frame(/^login lis$/);
    fake.frames.length = 0;
    await fake.closeConnections();
    await fake.frame(/^login lis$/);
    // Written after the second login was answered: that it ends the listen proves the CLI was back online.
    fake.push('recv bob after');
    assert.equal(await run.exited, 0);
    assert.equal(run.stderr.text, '');
  });
});
