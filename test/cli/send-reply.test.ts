import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loggedIn, runSup, ScriptedServer, startServer } from './harness.js';

describe('sup send --reply', { timeout: 10_000 }, () => {
  test('when the recipient answers, then its text is printed and it exits 0', async (t) => {
    const { port } = await startServer(t);
    const bot = await loggedIn(port, t, 'bot');
    const run = runSup(['send', 'bot', 'ping', '--reply', '-p', String(port), '-u', 'alice'], t);
    assert.equal(await bot.frame(), 'recv alice ping');
    // Someone else's message first: only the recipient's counts as the reply.
    const carol = await loggedIn(port, t, 'carol');
    assert.deepEqual(await carol.request('send alice not the reply'), ['status 000 OK']);
    assert.deepEqual(await bot.request('send alice pong'), ['status 000 OK']);
    assert.deepEqual(await run, { code: 0, stdout: 'pong\n', stderr: '' });
  });

  test('when the reply comes before the status of the send, then it is still the one printed', async (t) => {
    const fake = await ScriptedServer.start(t, { send: ['recv bot early bird', 'status 000 OK'] });
    const result = await runSup(['send', 'bot', 'ping', '--reply', '-p', String(fake.port), '-u', 'alice'], t);
    assert.deepEqual(result, { code: 0, stdout: 'early bird\n', stderr: '' });
    assert.deepEqual(fake.frames, ['login alice', 'send bot ping', 'quit alice']);
  });

  test('when --json is given, then one object holds the delivery and the reply', async (t) => {
    const fake = await ScriptedServer.start(t, { send: ['status 000 OK', 'recv bot pong'] });
    const result = await runSup(['send', 'bot', 'ping', '--reply', '--json', '-p', String(fake.port), '-u', 'alice'], t);
    assert.equal(result.code, 0);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1);
    const parsed = JSON.parse(lines[0]!) as { to: string; delivered: boolean; reply: { from: string; text: string; at: string } };
    assert.equal(parsed.to, 'bot');
    assert.equal(parsed.delivered, true);
    assert.equal(parsed.reply.from, 'bot');
    assert.equal(parsed.reply.text, 'pong');
    assert.ok(!Number.isNaN(Date.parse(parsed.reply.at)));
  });

  test('when no reply comes within --timeout, then it says so and exits 3', async (t) => {
    const { port } = await startServer(t);
    await loggedIn(port, t, 'bot');
    const result = await runSup(['send', 'bot', 'ping', '--reply', '--timeout', '300', '-p', String(port), '-u', 'alice'], t);
    assert.equal(result.code, 3);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^sup: no reply from "bot" within 300 ms \(the message was delivered\); raise --timeout to wait longer\n$/);
  });

  test('when the connection closes while waiting for the reply, then it exits 3 (network), not as an internal error', async (t) => {
    const fake: ScriptedServer = await ScriptedServer.start(t, {
      send: () => {
        // The status goes out first; then the server goes away.
        setImmediate(() => void fake.closeConnections());
        return ['status 000 OK'];
      },
    });
    const result = await runSup(['send', 'bot', 'wait', '--reply', '-p', String(fake.port), '-u', 'alice'], t);
    assert.equal(result.code, 3);
    assert.match(result.stderr, /^sup: the connection closed before "bot" replied \(the message was delivered\)[^\n]*\n$/);
  });

  test('when --json is given and no reply comes, then stdout still holds one JSON object with the delivery, the reason and the exit code', async (t) => {
    const { port } = await startServer(t);
    await loggedIn(port, t, 'bot');
    const result = await runSup(['send', 'bot', 'ping', '--reply', '--json', '--timeout', '300', '-p', String(port), '-u', 'alice'], t);
    assert.equal(result.code, 3);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 1);
    const parsed = JSON.parse(lines[0]!) as Record<string, unknown>;
    assert.deepEqual(Object.keys(parsed), ['to', 'delivered', 'error', 'exitCode']);
    assert.equal(parsed.to, 'bot');
    assert.equal(parsed.delivered, true);
    assert.equal(parsed.exitCode, 3);
    assert.match(String(parsed.error), /^no reply from "bot" within 300 ms/);
    assert.match(result.stderr, /^sup: no reply from "bot"[^\n]*\n$/, 'the error still goes to stderr too');
  });

  test('when --json is given and the server answers 107, then stdout holds one JSON object with exit code 5', async (t) => {
    const fake = await ScriptedServer.start(t, { send: ['status 107 Message Too Long'] });
    const result = await runSup(['send', 'bot', 'ping', '--json', '-p', String(fake.port), '-u', 'alice'], t);
    assert.equal(result.code, 5);
    const parsed = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.equal(parsed.to, 'bot');
    assert.equal(parsed.delivered, undefined, 'not known to be delivered');
    assert.equal(parsed.exitCode, 5);
    assert.match(String(parsed.error), /status 107 Message Too Long/);
  });

  test('when the recipient is offline, then it does not wait and exits 1', async (t) => {
    const { port } = await startServer(t);
    const result = await runSup(['send', 'bot', 'ping', '--reply', '-p', String(port), '-u', 'alice'], t);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /"bot" is not online/);
  });

  test('when --reply is given with --lines, then it is a usage error', async (t) => {
    const result = await runSup(['send', 'bot', '--lines', '--reply'], t, { stdin: 'a\n' });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sup: --reply [^\n]*--lines\n$/);
  });
});
