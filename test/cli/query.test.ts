import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loggedIn, runSup, ScriptedServer, startCli, startServer, untilOnline } from './harness.js';

const EPHEMERAL_LOGIN = /^login sup-[0-9a-f]{8}$/;

describe('sup contacts', { timeout: 10_000 }, () => {
  test('when others are online, then it prints them one per line, sorted, leaving out its own name, and exits 0', async (t) => {
    const { port } = await startServer(t);
    for (const name of ['zoe', 'Bob', 'alice', 'bob']) await loggedIn(port, t, name);
    const result = await runSup(['contacts', '-p', String(port)], t);
    assert.deepEqual(result, { code: 0, stdout: 'Bob\nalice\nbob\nzoe\n', stderr: '' });
  });

  test('when --json is given, then it prints one JSON array of strings', async (t) => {
    const { port } = await startServer(t);
    for (const name of ['carol', 'bob']) await loggedIn(port, t, name);
    const result = await runSup(['contacts', '--json', '-p', String(port)], t);
    assert.equal(result.code, 0);
    assert.equal(result.stdout, '["bob","carol"]\n');
  });

  test('when nobody else is online, then it prints nothing (or [] with --json) and exits 0', async (t) => {
    const { port } = await startServer(t);
    assert.deepEqual(await runSup(['contacts', '-p', String(port)], t), { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(await runSup(['contacts', '--json', '-p', String(port)], t), { code: 0, stdout: '[]\n', stderr: '' });
  });

  test('when --user is given, then it logs in with that name and leaves it out', async (t) => {
    const fake = await ScriptedServer.start(t, { get: ['status 000 OK', 'contacts bob watcher zed'] });
    const result = await runSup(['contacts', '-u', 'watcher', '-p', String(fake.port)], t);
    assert.deepEqual(result, { code: 0, stdout: 'bob\nzed\n', stderr: '' });
    assert.deepEqual(fake.frames, ['login watcher', 'get contacts', 'quit watcher']);
  });

  test('when SUP_USER is set but not --user, then it still logs in as an ephemeral sup-<hex> name', async (t) => {
    const fake = await ScriptedServer.start(t, {
      get: (frame) => {
        void frame;
        return ['status 000 OK', `contacts alice ${fake.frames[0]!.slice('login '.length)}`];
      },
    });
    const result = await runSup(['contacts', '-p', String(fake.port)], t, { env: { SUP_USER: 'alice' } });
    assert.deepEqual(result, { code: 0, stdout: 'alice\n', stderr: '' });
    assert.match(fake.frames[0]!, EPHEMERAL_LOGIN);
  });

  test('when a server lists contacts out of order, then they are printed sorted all the same', async (t) => {
    const fake = await ScriptedServer.start(t, { get: ['status 000 OK', 'contacts zed amy Mo'] });
    const result = await runSup(['contacts', '-p', String(fake.port)], t);
    assert.equal(result.stdout, 'Mo\namy\nzed\n');
  });

  test('when --quiet is given, then it prints nothing and exits 0', async (t) => {
    const { port } = await startServer(t);
    await loggedIn(port, t, 'bob');
    assert.deepEqual(await runSup(['contacts', '-q', '-p', String(port)], t), { code: 0, stdout: '', stderr: '' });
  });
});

describe('sup status', { timeout: 10_000 }, () => {
  test('when the user is online, then it prints "online" and exits 0', async (t) => {
    const { port } = await startServer(t);
    await loggedIn(port, t, 'alice');
    assert.deepEqual(await runSup(['status', 'alice', '-p', String(port)], t), { code: 0, stdout: 'online\n', stderr: '' });
  });

  test('when the user is offline, then it prints "offline" and exits 1', async (t) => {
    const { port } = await startServer(t);
    assert.deepEqual(await runSup(['status', 'alice', '-p', String(port)], t), { code: 1, stdout: 'offline\n', stderr: '' });
  });

  test('when --json is given, then it prints {"user":...,"online":...} exactly', async (t) => {
    const { port } = await startServer(t);
    await loggedIn(port, t, 'alice');
    const online = await runSup(['status', 'alice', '--json', '-p', String(port)], t);
    assert.deepEqual(online, { code: 0, stdout: '{"user":"alice","online":true}\n', stderr: '' });
    const offline = await runSup(['status', 'bob', '--json', '-p', String(port)], t);
    assert.deepEqual(offline, { code: 1, stdout: '{"user":"bob","online":false}\n', stderr: '' });
  });

  test('when --quiet is given, then only the exit code tells', async (t) => {
    const { port } = await startServer(t);
    await loggedIn(port, t, 'alice');
    assert.deepEqual(await runSup(['status', 'alice', '-q', '-p', String(port)], t), { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(await runSup(['status', 'bob', '-q', '-p', String(port)], t), { code: 1, stdout: '', stderr: '' });
  });

  test('when it asks, then it logs in as an ephemeral sup-<hex> name unless --user is given, and quits', async (t) => {
    const fake = await ScriptedServer.start(t, { contact: ['status 001 Online'] });
    assert.equal((await runSup(['status', 'alice', '-p', String(fake.port)], t, { env: { SUP_USER: 'me' } })).code, 0);
    assert.match(fake.frames[0]!, EPHEMERAL_LOGIN);
    const name = fake.frames[0]!.slice('login '.length);
    assert.deepEqual(fake.frames.slice(1), ['contact alice', `quit ${name}`]);
    assert.equal((await runSup(['status', 'alice', '-u', 'me', '-p', String(fake.port)], t)).code, 0);
    assert.deepEqual(fake.frames.slice(3), ['login me', 'contact alice', 'quit me']);
  });

  test('when two run at once, then their ephemeral names differ', async (t) => {
    const fake = await ScriptedServer.start(t, { contact: ['status 001 Online'] });
    await Promise.all([runSup(['status', 'a', '-p', String(fake.port)], t), runSup(['status', 'a', '-p', String(fake.port)], t)]);
    const logins = fake.frames.filter((frame) => frame.startsWith('login '));
    assert.equal(logins.length, 2);
    assert.notEqual(logins[0], logins[1]);
  });

  test('when a recv frame arrives before the status, then the answer is still read right', async (t) => {
    const fake = await ScriptedServer.start(t, { contact: ['recv carol psst', 'status 001 Online'] });
    assert.deepEqual(await runSup(['status', 'alice', '-p', String(fake.port)], t), { code: 0, stdout: 'online\n', stderr: '' });
  });

  test('when the user argument is not a valid name, then it exits 2 without connecting', async (t) => {
    const fake = await ScriptedServer.start(t);
    const result = await runSup(['status', 'no/such', '-p', String(fake.port)], t);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sup: invalid username "no\/such" \(from the <user> argument\)[^\n]*\n$/);
    assert.equal(await fake.acceptedBeforeProbe(), 0);
  });
});

describe('sup listen', { timeout: 10_000 }, () => {
  test('when messages arrive, then each is printed as "<from> <message>" in order, and a shutdown quits and exits 0', async (t) => {
    const fake = await ScriptedServer.start(t);
    const run = startCli(['listen', '-p', String(fake.port), '-u', 'lis'], t);
    await fake.frame(/^login lis$/);
    fake.push('recv bob hello  there', 'recv carol\tx second');
    await run.stdout.until(/second\n/);
    assert.equal(run.stdout.text, 'bob hello  there\ncarol\tx second\n');
    run.shutdown();
    assert.equal(await run.exited, 0);
    assert.deepEqual(fake.frames, ['login lis', 'quit lis']);
    assert.equal(run.stderr.text, '');
  });

  test('when a recv comes in the same read as the login answer, then it is printed, not lost', async (t) => {
    const fake = await ScriptedServer.start(t, { login: ['status 000 OK', 'recv bob right away'] });
    const run = startCli(['listen', '-p', String(fake.port), '-u', 'lis'], t);
    await run.stdout.until(/right away\n/);
    assert.equal(run.stdout.text, 'bob right away\n');
    run.shutdown();
    assert.equal(await run.exited, 0);
  });

  test('when --quiet is given, then it prints the messages, as its help says, and nothing on stderr', async (t) => {
    const fake = await ScriptedServer.start(t);
    const run = startCli(['listen', '-q', '-p', String(fake.port), '-u', 'lis'], t, { ttyColumns: 80 });
    await fake.frame(/^login lis$/);
    fake.push('recv bob quietly');
    await run.stdout.until(/quietly\n/);
    run.shutdown();
    assert.equal(await run.exited, 0);
    assert.equal(run.stdout.text, 'bob quietly\n');
    assert.equal(run.stderr.text, '', 'no spinner on the terminal either');
    const help = await runSup(['listen', '--help'], t);
    assert.match(help.stdout, /-q, --quiet\s+print the messages only/);
  });

  test('when --json is given, then each message is one JSON object per line with from, text and at', async (t) => {
    const fake = await ScriptedServer.start(t);
    const run = startCli(['listen', '--json', '-p', String(fake.port), '-u', 'lis'], t);
    await fake.frame(/^login lis$/);
    fake.push('recv bob {"not": "json"}', 'recv carol two');
    await run.stdout.until(/two/);
    const lines = run.stdout.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.deepEqual(
      lines.map(({ from, text }) => ({ from, text })),
      [
        { from: 'bob', text: '{"not": "json"}' },
        { from: 'carol', text: 'two' },
      ],
    );
    for (const line of lines) {
      assert.deepEqual(Object.keys(line), ['from', 'text', 'at']);
      assert.equal(new Date(line.at as string).toISOString(), line.at);
    }
    run.shutdown();
    assert.equal(await run.exited, 0);
  });

  test('when a real server routes messages, then they are printed and the user is offline after shutdown', async (t) => {
    const { port } = await startServer(t);
    const run = startCli(['listen', '-p', String(port), '-u', 'lis'], t);
    await untilOnline(port, t, 'lis');
    const bob = await loggedIn(port, t, 'bob');
    assert.deepEqual(await bob.request(['send lis one', 'send lis two']), ['status 000 OK', 'status 000 OK']);
    await run.stdout.until(/bob two\n/);
    assert.equal(run.stdout.text, 'bob one\nbob two\n');
    run.shutdown();
    assert.equal(await run.exited, 0);
    assert.deepEqual(await bob.request('contact lis'), ['status 103 Offline']);
  });

  test('when the connection drops, then it logs in again and goes on printing', async (t) => {
    const fake = await ScriptedServer.start(t);
    const run = startCli(['listen', '-p', String(fake.port), '-u', 'lis'], t);
    await fake.frame(/^login lis$/);
    fake.push('recv bob before');
    await run.stdout.until(/before\n/);
    fake.frames.length = 0;
    await fake.closeConnections();
    await fake.frame(/^login lis$/);
    fake.push('recv bob after');
    await run.stdout.until(/after\n/);
    assert.equal(run.stdout.text, 'bob before\nbob after\n');
    run.shutdown();
    assert.equal(await run.exited, 0);
  });

  test('when a shutdown comes before the login is answered, then it stops at once and exits 0', async (t) => {
    const fake = await ScriptedServer.start(t, { login: null });
    const run = startCli(['listen', '-p', String(fake.port), '-u', 'lis'], t);
    await fake.frame(/^login lis$/);
    run.shutdown();
    assert.equal(await run.exited, 0);
    assert.equal(run.stdout.text + run.stderr.text, '');
  });

  test('when no server answers within --timeout, then the reason of the last attempt is given with exit 3', { timeout: 5_000 }, async (t) => {
    const fake = await ScriptedServer.start(t);
    const port = fake.port;
    await fake.close();
    const result = await runSup(['listen', '--timeout', '300', '-p', String(port), '-u', 'lis'], t);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /^sup: cannot connect to [^\n]*connection refused[^\n]*still failing after 300 ms[^\n]*--timeout[^\n]*\n$/);
  });
});
