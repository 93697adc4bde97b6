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
