import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { definePlugin, PluginSetupError, type HttpRequest } from 'sup';
import { createTestBot } from 'sup/testing';

const seen: HttpRequest[] = [];
const hooks = definePlugin({
  name: 'hooks',
  setup(ctx) {
    ctx.http.get('/ping', () => 'pong\n');
    ctx.http.post('/echo/:who', (request) => {
      seen.push(request);
      return { status: 201, body: { who: request.params.who, body: request.body, text: request.text, q: request.query.get('q') } };
    });
    ctx.http.post('/tell/:user', async (request) => {
      const outcome = await ctx.send(request.params.user!, String(request.body));
      return { status: outcome === 'delivered' ? 202 : 404, body: `${outcome}\n` };
    });
    ctx.http.post('/boom', () => {
      throw new Error('handler exploded');
    });
    ctx.http.get('/quiet', () => undefined);
  },
});

describe('webhooks: ctx.http routes over real HTTP on 127.0.0.1', () => {
  test('when a route answers, then its status, body and content type reach the client', async (t) => {
    const bot = await createTestBot({ plugins: [hooks], http: true });
    t.after(() => bot.close());
    assert.match(bot.httpUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    const ping = await fetch(`${bot.httpUrl}/ping`);
    assert.equal(ping.status, 200);
    assert.match(ping.headers.get('content-type') ?? '', /^text\/plain/);
    assert.equal(await ping.text(), 'pong\n');

    const json = await fetch(`${bot.httpUrl}/echo/al%20ice?q=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ a: [1, 2] }),
    });
    assert.equal(json.status, 201);
    assert.deepEqual(await json.json(), { who: 'al ice', body: { a: [1, 2] }, text: '{"a":[1,2]}', q: '1' });

    const text = await fetch(`${bot.httpUrl}/echo/bob`, { method: 'POST', body: 'plain words' });
    assert.deepEqual(await text.json(), { who: 'bob', body: 'plain words', text: 'plain words', q: null });

    const quiet = await fetch(`${bot.httpUrl}/quiet`);
    assert.equal(quiet.status, 204);
  });

  test('when a handler sends a chat message, then the user gets it', async (t) => {
    const bot = await createTestBot({ plugins: [hooks], http: true });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    await alice.online();
    const response = await fetch(`${bot.httpUrl}/tell/alice`, { method: 'POST', body: 'deploy done' });
    assert.equal(response.status, 202);
    assert.equal((await alice.receive()).text, 'deploy done');
    const offline = await fetch(`${bot.httpUrl}/tell/nobody`, { method: 'POST', body: 'hello?' });
    assert.equal(offline.status, 404);
    assert.equal(await offline.text(), 'offline\n');
  });

  test('when a handler throws, then the client gets 500 and the bot logs it with the plugin and path', async (t) => {
    const bot = await createTestBot({ plugins: [hooks], http: true, handlerErrors: 'collect' });
    t.after(() => bot.close());
    const response = await fetch(`${bot.httpUrl}/boom`, { method: 'POST' });
    assert.equal(response.status, 500);
    assert.doesNotMatch(await response.text(), /exploded/);
    const logged = bot.errors.find((entry) => entry.event === 'http-handler-failed');
    assert.deepEqual([logged?.fields.plugin, logged?.fields.method, logged?.fields.path], ['hooks', 'POST', '/boom']);
    assert.match((logged?.fields.error as Error).message, /handler exploded/);
  });

  test('when the path or method is unknown, the body too large or its JSON broken, then 404, 405, 413, 400', async (t) => {
    const bot = await createTestBot({ plugins: [hooks], http: { maxBodyBytes: 16 } });
    t.after(() => bot.close());
    assert.equal((await fetch(`${bot.httpUrl}/nowhere`)).status, 404);
    assert.equal((await fetch(`${bot.httpUrl}/ping`, { method: 'POST' })).status, 405);
    const large = await fetch(`${bot.httpUrl}/echo/x`, { method: 'POST', body: 'x'.repeat(17) });
    assert.equal(large.status, 413);
    assert.match(await large.text(), /larger than 16 bytes/);
    const broken = await fetch(`${bot.httpUrl}/echo/x`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"a":' });
    assert.equal(broken.status, 400);
    assert.equal((await fetch(`${bot.httpUrl}/echo/x`, { method: 'POST', body: 'x'.repeat(16) })).status, 201);
  });

  test('when the bot has no HTTP listener, then routes are kept but nothing listens, and the log says so', async (t) => {
    let enabled: boolean | undefined;
    const probe = definePlugin({
      name: 'probe',
      setup(ctx) {
        enabled = ctx.http.enabled;
        ctx.http.get('/x', () => 'x');
      },
    });
    const bot = await createTestBot({ plugins: [probe] });
    t.after(() => bot.close());
    assert.equal(enabled, false);
    assert.equal(bot.runtime.httpAddress, undefined);
    const off = bot.logs.find((entry) => entry.event === 'http-off');
    assert.deepEqual(off?.fields.routes, ['GET /x']);
  });

  test('when two plugins take the same route, then setup fails naming both', async () => {
    const again = definePlugin({
      name: 'again',
      setup(ctx) {
        ctx.http.get('/ping', () => 'mine');
      },
    });
    const error = await createTestBot({ plugins: [hooks, again], http: true }).catch((e: unknown) => e);
    assert.ok(error instanceof PluginSetupError);
    assert.match(error.message, /plugin "again": route GET \/ping is taken by plugin "hooks"/);
  });

  test('when the bot stops, then the listener closes', async (t) => {
    const bot = await createTestBot({ plugins: [hooks], http: true });
    t.after(() => bot.close());
    const url = bot.httpUrl;
    await bot.runtime.stop();
    await assert.rejects(fetch(`${url}/ping`));
  });
});
