import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTestBot } from 'sup/testing';
import notify from '../../bots/notify.js';

const ALERTMANAGER = {
  version: '4',
  status: 'firing',
  receiver: 'sup',
  alerts: [
    { status: 'firing', labels: { alertname: 'HighLatency', severity: 'page', instance: 'web-1' }, annotations: { summary: 'p99 above 2s\nfor 5m' } },
    { status: 'resolved', labels: { alertname: 'DiskFull', instance: 'db-1' }, annotations: { description: 'disk at 80% — ok' } },
  ],
};

describe('the notify bot over real HTTP', () => {
  test('when a text body is posted for an online user, then 202 and the user gets it; offline is 404', async (t) => {
    const bot = await createTestBot({ plugins: [notify], http: true });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    await alice.online();
    const queued = await fetch(`${bot.httpUrl}/notify/alice`, { method: 'POST', body: 'build 42 is green\n' });
    assert.equal(queued.status, 202);
    assert.equal(await queued.text(), 'queued\n');
    assert.equal((await alice.receive()).text, 'build 42 is green');
    const offline = await fetch(`${bot.httpUrl}/notify/bob`, { method: 'POST', body: 'hello' });
    assert.equal(offline.status, 404);
    assert.equal(await offline.text(), 'bob is offline\n');
  });

  test('when an Alertmanager payload is posted, then each alert becomes one line of one message', async (t) => {
    const bot = await createTestBot({ plugins: [notify], http: true });
    t.after(() => bot.close());
    const ops = bot.user('ops');
    await ops.online();
    const response = await fetch(`${bot.httpUrl}/notify/ops`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(ALERTMANAGER),
    });
    assert.equal(response.status, 202);
    assert.equal(
      (await ops.receive()).text,
      '[FIRING] HighLatency (severity=page, instance=web-1): p99 above 2s for 5m\n[RESOLVED] DiskFull (instance=db-1): disk at 80% ? ok',
    );
  });

  test('when a secret is configured, then requests without it get 401 and with it go through', async (t) => {
    const bot = await createTestBot({ plugins: [notify], http: true, options: { notify: { secret: 's3cret' } } });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    await alice.online();
    const url = `${bot.httpUrl}/notify/alice`;
    assert.equal((await fetch(url, { method: 'POST', body: 'no secret' })).status, 401);
    assert.equal((await fetch(url, { method: 'POST', body: 'wrong', headers: { 'x-sup-secret': 'nope' } })).status, 401);
    assert.equal((await fetch(url, { method: 'POST', body: 'header', headers: { 'x-sup-secret': 's3cret' } })).status, 202);
    assert.equal((await fetch(url, { method: 'POST', body: 'bearer', headers: { authorization: 'Bearer s3cret' } })).status, 202);
    await bot.idle();
    assert.deepEqual(alice.take().map((m) => m.text), ['header', 'bearer']);
  });

  test('when the body or the user cannot make a message, then 400 says why', async (t) => {
    const bot = await createTestBot({ plugins: [notify], http: true });
    t.after(() => bot.close());
    const post = (path: string, body: string, type = 'text/plain'): Promise<Response> =>
      fetch(`${bot.httpUrl}${path}`, { method: 'POST', body, headers: { 'content-type': type } });
    assert.equal((await post('/notify/not%20valid', 'hi')).status, 400);
    assert.equal((await post('/notify/alice', '')).status, 400);
    assert.equal((await post('/notify/alice', '{"other":1}', 'application/json')).status, 400);
    const unicode = await post('/notify/alice', 'caf\u00e9');
    assert.equal(unicode.status, 400);
    assert.match(await unicode.text(), /cannot be sent/);
  });

  test('when options are wrong, then the bot does not start', async () => {
    await assert.rejects(createTestBot({ plugins: [notify], options: { notify: { secret: '' } } }), /"secret" must be a non-empty string/);
  });
});
