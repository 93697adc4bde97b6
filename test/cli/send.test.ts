import assert from 'node:assert/strict';
import { userInfo } from 'node:os';
import { describe, test } from 'node:test';
import { isValidUsername } from '../../src/protocol/username.js';
import type { RawPeer } from '../helpers/raw-peer.js';
import { loggedIn, runSup, ScriptedServer, startCli, startServer, type Cleanup } from './harness.js';

/**
 * Every frame `peer` receives until a marker sent after the run: the server handles a
 * connection's frames in order and the CLI waited for its quit status, so anything the CLI
 * sent is queued to the peer before the marker.
 */
async function framesBeforeMarker(peer: RawPeer, port: number, to: string, t: Cleanup): Promise<string[]> {
  const marker = await loggedIn(port, t, 'marker');
  assert.deepEqual(await marker.request(`send ${to} --end--`), ['status 000 OK']);
  const frames: string[] = [];
  for (let frame = await peer.frame(); frame !== 'recv marker --end--'; frame = await peer.frame()) frames.push(frame);
  return frames;
}

async function isOnline(port: number, t: Cleanup, name: string): Promise<boolean> {
  const asker = await loggedIn(port, t, `asker${Math.floor(Math.random() * 1e6)}`);
  const [answer] = await asker.request(`contact ${name}`);
  asker.destroy();
  return answer === 'status 001 Online';
}

describe('sup send', { timeout: 10_000 }, () => {
  test('when the recipient is online, then the words arrive joined by single spaces, nothing is printed and it exits 0', async (t) => {
    const { port } = await startServer(t);
    const bob = await loggedIn(port, t, 'bob');
    const result = await runSup(['send', 'bob', 'hello', 'wide', 'world', '-p', String(port), '-u', 'alice'], t);
    assert.deepEqual(result, { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(await framesBeforeMarker(bob, port, 'bob', t), ['recv alice hello wide world']);
    assert.equal(await isOnline(port, t, 'alice'), false, 'alice logged off');
  });

  test('when it sends, then it logs in, sends, and quits with its name, waiting for the answer', async (t) => {
    const fake = await ScriptedServer.start(t);
    const result = await runSup(['send', 'bob', 'hi', '-p', String(fake.port), '-u', 'alice'], t);
    assert.equal(result.code, 0);
    assert.deepEqual(fake.frames, ['login alice', 'send bob hi', 'quit alice']);
  });

  test('when the recipient is not online, then one line on stderr names them and it exits 1', async (t) => {
    const { port } = await startServer(t);
    const result = await runSup(['send', 'bob', 'hi', '-p', String(port), '-u', 'alice'], t);
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^sup: "bob" is not online [^\n]*not delivered\n$/);
  });

  test('when --quiet is given and the recipient is offline, then nothing is printed and it still exits 1', async (t) => {
    const { port } = await startServer(t);
    const result = await runSup(['send', 'bob', 'hi', '-q', '-p', String(port), '-u', 'alice'], t);
    assert.deepEqual(result, { code: 1, stdout: '', stderr: '' });
  });

  test('when --json is given, then stdout is one JSON object saying whether it was delivered', async (t) => {
    const { port } = await startServer(t);
    await loggedIn(port, t, 'bob');
    const delivered = await runSup(['send', 'bob', 'hi', '--json', '-p', String(port), '-u', 'alice'], t);
    assert.equal(delivered.code, 0);
    assert.equal(delivered.stdout, '{"to":"bob","delivered":true}\n');
    const offline = await runSup(['send', 'carol', 'hi', '--json', '-p', String(port), '-u', 'alice'], t);
    assert.equal(offline.code, 1);
    assert.deepEqual(JSON.parse(offline.stdout), { to: 'carol', delivered: false, status: '104' });
    assert.equal(offline.stdout.split('\n').length, 2, 'one line');
  });

  test('when no message words are given, then the whole of stdin is one message, its trailing newline trimmed', async (t) => {
    const { port } = await startServer(t);
    const bob = await loggedIn(port, t, 'bob');
    const result = await runSup(['send', 'bob', '-p', String(port), '-u', 'alice'], t, {
      stdin: 'first line\n  second\tline  \n',
    });
    assert.deepEqual(result, { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(await framesBeforeMarker(bob, port, 'bob', t), ['recv alice first line\n  second\tline  ']);
  });

  test('when the message is "-", then stdin is read, and only one trailing CRLF is trimmed', async (t) => {
    const { port } = await startServer(t);
    const bob = await loggedIn(port, t, 'bob');
    const result = await runSup(['send', 'bob', '-', '-p', String(port), '-u', 'alice'], t, { stdin: 'hi there\r\n\r\n' });
    assert.equal(result.code, 0);
    assert.deepEqual(await framesBeforeMarker(bob, port, 'bob', t), ['recv alice hi there\r\n']);
  });

  test('when stdin is empty, then it refuses with exit 2 before connecting', async (t) => {
    const fake = await ScriptedServer.start(t);
    const result = await runSup(['send', 'bob', '-p', String(fake.port), '-u', 'alice'], t, { stdin: '\n' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sup: cannot send: the message is empty[^\n]*\n$/);
    assert.equal(await fake.acceptedBeforeProbe(), 0);
  });

  test('when --lines is given, then each non-empty line is its own message, in order', async (t) => {
    const { port } = await startServer(t);
    const bob = await loggedIn(port, t, 'bob');
    const result = await runSup(['send', 'bob', '--lines', '-p', String(port), '-u', 'alice'], t, {
      stdin: 'one\n\ntwo  \r\nthree',
    });
    assert.deepEqual(result, { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(await framesBeforeMarker(bob, port, 'bob', t), ['recv alice one', 'recv alice two  ', 'recv alice three']);
    assert.equal(await isOnline(port, t, 'alice'), false, 'alice logged off');
  });

  test('when --lines streams, then each line goes as it arrives, before stdin ends', async (t) => {
    const { port } = await startServer(t);
    const bob = await loggedIn(port, t, 'bob');
    const run = startCli(['send', 'bob', '--lines', '-p', String(port), '-u', 'alice'], t);
    run.stdin.write('early\n');
    assert.equal(await bob.frame(), 'recv alice early');
    run.stdin.write('late\n');
    assert.equal(await bob.frame(), 'recv alice late');
    run.stdin.end();
    assert.equal(await run.exited, 0);
  });

  test('when --lines meets a line the protocol cannot carry, then it reports its input line number, skips it, sends the rest and exits 2', async (t) => {
    const { port } = await startServer(t);
    const bob = await loggedIn(port, t, 'bob');
    const result = await runSup(['send', 'bob', '--lines', '-p', String(port), '-u', 'alice'], t, {
      stdin: 'fine\n\ncaf\u00e9\nalso sent\n',
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sup: line 3 skipped: [^\n]*U\+00E9[^\n]*add --ascii[^\n]*\n$/);
    assert.deepEqual(await framesBeforeMarker(bob, port, 'bob', t), ['recv alice fine', 'recv alice also sent']);
  });

  test('when --lines skips a line, then it still sends the lines around it in order and quits', async (t) => {
    const fake = await ScriptedServer.start(t);
    const result = await runSup(['send', 'bob', '--lines', '-p', String(fake.port), '-u', 'alice'], t, {
      stdin: 'fine\nbad\u0007bell\nlast',
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sup: line 2 skipped: [^\n]*control byte 0x07[^\n]*\n$/);
    assert.deepEqual(fake.frames, ['login alice', 'send bob fine', 'send bob last', 'quit alice']);
  });

  test('when --lines meets a line longer than the frame limit, then only that line is skipped, with its number', async (t) => {
    const fake = await ScriptedServer.start(t);
    const result = await runSup(['send', 'bob', '--lines', '-p', String(fake.port), '-u', 'alice'], t, {
      stdin: `one\n${'x'.repeat(40_000)}\nthree\n`,
    });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sup: line 2 skipped: the line is over \d+ bytes[^\n]*16384-byte limit\n$/);
    assert.deepEqual(fake.frames, ['login alice', 'send bob one', 'send bob three', 'quit alice']);
  });

  test('when --lines counts lines, then empty lines count too, as `wc -l` does', async (t) => {
    const fake = await ScriptedServer.start(t, { send: (frame) => (frame === 'send bob b' ? ['status 104 Messaged User Not Online'] : ['status 000 OK']) });
    const result = await runSup(['send', 'bob', '--lines', '--json', '-p', String(fake.port), '-u', 'alice'], t, { stdin: 'a\n\n\nb\n' });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^sup: line 4 not delivered: /);
    assert.deepEqual(result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown), [
      { to: 'bob', line: 1, delivered: true },
      { to: 'bob', line: 4, delivered: false, status: '104' },
    ]);
  });

  test('when --lines --json skips a line, then that line too gets its one JSON object', async (t) => {
    const fake = await ScriptedServer.start(t);
    const result = await runSup(['send', 'bob', '--lines', '--json', '-p', String(fake.port), '-u', 'alice'], t, { stdin: 'ok\n\u0001\n' });
    assert.equal(result.code, 2);
    // A sent line's object comes when its status does, so possibly after a later skipped line's.
    const objects = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .sort((a, b) => Number(a.line) - Number(b.line));
    assert.deepEqual(objects[0], { to: 'bob', line: 1, delivered: true });
    assert.equal(objects[1]!.line, 2);
    assert.equal(objects[1]!.delivered, false);
    assert.match(String(objects[1]!.skipped), /control byte 0x01/);
    assert.equal(objects.length, 2);
  });

  test('when --lines has a line while the recipient is offline, then it says so on stderr, goes on with later lines, and exits 1', async (t) => {
    const { port } = await startServer(t);
    const run = startCli(['send', 'bob', '--lines', '-p', String(port), '-u', 'alice'], t);
    run.stdin.write('nobody hears this\n');
    await run.stderr.until(/line 1 not delivered/);
    const bob = await loggedIn(port, t, 'bob');
    run.stdin.end('heard\n');
    assert.equal(await run.exited, 1);
    assert.match(run.stderr.text, /^sup: line 1 not delivered: "bob" is not online[^\n]*\n$/);
    assert.deepEqual(await framesBeforeMarker(bob, port, 'bob', t), ['recv alice heard']);
  });

  test('when --ascii is given, then the text is transliterated and what has no ASCII form becomes "?"', async (t) => {
    const fake = await ScriptedServer.start(t);
    const words = await runSup(['send', 'bob', 'caf\u00e9', '\u2713', '--ascii', '-p', String(fake.port), '-u', 'alice'], t);
    assert.equal(words.code, 0, words.stderr);
    const stdin = await runSup(['send', 'bob', '--ascii', '-p', String(fake.port), '-u', 'alice'], t, { stdin: 'Stra\u00dfe\u0007 \u201cok\u201d\n' });
    assert.equal(stdin.code, 0, stdin.stderr);
    const lines = await runSup(['send', 'bob', '--lines', '--ascii', '-p', String(fake.port), '-u', 'alice'], t, { stdin: 'na\u00efve\n\u00bd\n' });
    assert.equal(lines.code, 0, lines.stderr);
    assert.deepEqual(
      fake.frames.filter((frame) => frame.startsWith('send ')),
      ['send bob cafe v', 'send bob Strasse? "ok"', 'send bob naive', 'send bob 1/2'],
    );
  });

  test('when text outside ASCII is refused, then the reason suggests --ascii', async (t) => {
    const result = await runSup(['send', 'bob', 'caf\u00e9', '-u', 'alice'], t);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sup: cannot send: [^\n]*U\+00E9[^\n]*\(or add --ascii to transliterate it\)\n$/);
  });

  test('when stdin holds more than the frame limit and never ends, then it stops reading and exits 2 with the usual reason', async (t) => {
    const fake = await ScriptedServer.start(t);
    const run = startCli(['send', 'bob', '-p', String(fake.port), '-u', 'alice'], t);
    // Never ended: only stopping at the limit lets the command finish.
    run.stdin.write('a'.repeat(10_000));
    run.stdin.write('a'.repeat(10_000));
    assert.equal(await run.exited, 2);
    assert.match(run.stderr.text, /^sup: cannot send: the message is too long: stdin holds more than \d+ bytes[^\n]*16384-byte limit[^\n]*\n$/);
    assert.equal(fake.accepted, 0);
  });

  test('when stdin is a terminal, then it says on stderr that it reads the message there and how to end it', async (t) => {
    const fake = await ScriptedServer.start(t);
    const result = await runSup(['send', 'bob', '-p', String(fake.port), '-u', 'alice'], t, { stdin: 'typed\n', stdinTty: true });
    assert.equal(result.code, 0);
    assert.equal(result.stderr, 'sup: reading the message from the terminal; end with Ctrl-D on a line of its own (Ctrl-C cancels)\n');
    const quiet = await runSup(['send', 'bob', '-q', '-p', String(fake.port), '-u', 'alice'], t, { stdin: 'typed\n', stdinTty: true });
    assert.deepEqual(quiet, { code: 0, stdout: '', stderr: '' });
  });

  test('when --lines is given with message words, then it is a usage error (exit 2)', async (t) => {
    const result = await runSup(['send', 'bob', 'words', '--lines', '-u', 'alice'], t);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sup: --lines reads the messages from stdin[^\n]*\n$/);
  });

  test('when --lines gets a shutdown signal, then it ends like the end of stdin: quits and exits 0', async (t) => {
    const fake = await ScriptedServer.start(t);
    const run = startCli(['send', 'bob', '--lines', '-p', String(fake.port), '-u', 'alice'], t);
    run.stdin.write('before the signal\n');
    await fake.frame(/^send bob before the signal$/);
    run.shutdown();
    assert.equal(await run.exited, 0);
    assert.deepEqual(fake.frames, ['login alice', 'send bob before the signal', 'quit alice']);
  });

  for (const [what, args, pattern] of [
    ['an invalid recipient', ['send', 'bob smith', 'hi', '-u', 'alice'], /^sup: invalid username "bob smith" \(from the <user> argument\)/],
    ['an invalid --user', ['send', 'bob', 'hi', '-u', 'al!ce'], /^sup: invalid username "al!ce" \(from --user\)/],
    ['a non-ASCII message', ['send', 'bob', 'na\u00efve', '-u', 'alice'], /^sup: cannot send: [^\n]*U\+00EF[^\n]*printable ASCII/],
    ['a control byte in the message', ['send', 'bob', 'end\u0004here', '-u', 'alice'], /^sup: cannot send: [^\n]*0x04/],
    [
      'a message one byte over the frame limit',
      ['send', 'bob', 'x'.repeat(16_384 - 'send bob '.length + 1), '-u', 'alice'],
      /^sup: cannot send: the message is too long: it makes a 16385-byte frame and the limit is 16384 bytes\n$/,
    ],
  ] as const) {
    test(`when given ${what}, then it exits 2 with the reason and never connects`, async (t) => {
      const fake = await ScriptedServer.start(t);
      const result = await runSup([...args, '-p', String(fake.port)], t);
      assert.equal(result.code, 2);
      assert.match(result.stderr, pattern);
      assert.equal(result.stderr.split('\n').length, 2, `one line: ${result.stderr}`);
      assert.equal(result.stdout, '');
      assert.equal(await fake.acceptedBeforeProbe(), 0, 'nothing connected');
    });
  }

  test('when the message is exactly at the frame limit, then it is delivered', async (t) => {
    const { port } = await startServer(t);
    const bob = await loggedIn(port, t, 'bob');
    const text = 'y'.repeat(16_384 - 'send bob '.length);
    const result = await runSup(['send', 'bob', text, '-p', String(port), '-u', 'alice'], t);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await framesBeforeMarker(bob, port, 'bob', t), [`recv alice ${text}`]);
  });

  test('when a recv frame arrives before the status of the send, then it is delivered all the same (exit 0)', async (t) => {
    const fake = await ScriptedServer.start(t, { send: ['recv carol you first', 'status 000 OK'] });
    const result = await runSup(['send', 'bob', 'hi', '-p', String(fake.port), '-u', 'alice'], t);
    assert.deepEqual(result, { code: 0, stdout: '', stderr: '' });
    assert.deepEqual(fake.frames, ['login alice', 'send bob hi', 'quit alice']);
  });

  test('when no user is configured, then it logs in as the OS login name', async (t) => {
    const fake = await ScriptedServer.start(t);
    const osName = userInfo().username;
    const result = await runSup(['send', 'bob', 'hi', '-p', String(fake.port)], t);
    if (isValidUsername(osName)) {
      assert.equal(result.code, 0, result.stderr);
      assert.equal(fake.frames[0], `login ${osName}`);
    } else {
      assert.equal(result.code, 2);
      assert.match(result.stderr, /your OS login name/);
    }
  });

  test('when the send hangs and a shutdown signal comes, then it stops at once with exit 130', async (t) => {
    const fake = await ScriptedServer.start(t, { send: null });
    const run = startCli(['send', 'bob', 'hi', '-p', String(fake.port), '-u', 'alice'], t);
    await fake.frame(/^send bob hi$/);
    run.shutdown();
    assert.equal(await run.exited, 130);
    assert.match(run.stderr.text, /^sup: interrupted before 127\.0\.0\.1:\d+ answered\n$/);
  });
});
