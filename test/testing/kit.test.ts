import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { definePlugin } from '../../src/bot/plugin.js';
import { createTestBot } from '../../src/testing/index.js';

const echo = definePlugin({
  name: 'echo',
  setup(ctx) {
    ctx.hear(/[^]*/, (message) => void message.reply(message.text));
  },
});

describe('createTestBot', () => {
  test('when a user sends to the bot, then the user receives the reply and idle needs no sleep', async (t) => {
    const bot = await createTestBot({ plugins: [echo] });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    await alice.send('hello');
    assert.equal((await alice.receive()).text, 'hello');
    assert.deepEqual(await alice.ask('again'), ['again']);
    assert.equal(bot.server.stats.online, 2);
  });

  test('when idle resolves, then every reply has already arrived', async (t) => {
    const chatty = definePlugin({
      name: 'chatty',
      setup(ctx) {
        ctx.hear(/^count (\d+)$/, async (message) => {
          const n = Number(message.match?.[1]);
          for (let i = 1; i <= n; i++) void message.reply(String(i));
        });
      },
    });
    const bot = await createTestBot({ plugins: [chatty], limits: { rate: { burst: 100, perSecond: 1000 } } });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    const bob = bot.user('bob');
    void alice.send('count 30');
    void bob.send('count 5');
    await bot.idle();
    assert.deepEqual(
      alice.take().map((m) => m.text),
      Array.from({ length: 30 }, (_, i) => String(i + 1)),
    );
    assert.deepEqual(
      bob.take().map((m) => m.text),
      ['1', '2', '3', '4', '5'],
    );
  });

  test('when a handler throws, then idle fails the test with the plugin and the message named', async (t) => {
    const broken = definePlugin({
      name: 'broken',
      setup(ctx) {
        ctx.hear('boom', () => {
          throw new Error('kaboom');
        });
      },
    });
    const bot = await createTestBot({ plugins: [broken] });
    t.after(() => bot.close());
    await bot.user('alice').send('boom');
    await assert.rejects(bot.idle(), (error: Error & { code?: string }) => {
      assert.equal(error.code, 'SUP_TEST_BOT_ERROR');
      assert.match(error.message, /handler-failed plugin="broken" from="alice" text="boom": kaboom/);
      return true;
    });
    await bot.idle();
  });

  test('when a user is waiting for a reply and a handler throws, then the wait fails at once', async (t) => {
    const broken = definePlugin({
      name: 'broken',
      setup(ctx) {
        ctx.hear(/[^]*/, () => Promise.reject(new Error('nope')));
      },
    });
    const bot = await createTestBot({ plugins: [broken], apology: false, receiveTimeoutMs: 60_000 });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    const waiting = alice.receive();
    await alice.send('hi');
    await assert.rejects(waiting, { code: 'SUP_TEST_BOT_ERROR' });
  });

  test('when handler errors are collected or taken, then they do not fail the test', async (t) => {
    const broken = definePlugin({
      name: 'broken',
      setup(ctx) {
        ctx.hear(/[^]*/, () => {
          throw new Error('expected');
        });
      },
    });
    const collecting = await createTestBot({ plugins: [broken], handlerErrors: 'collect' });
    t.after(() => collecting.close());
    assert.equal((await collecting.user('alice').ask('x')).length, 1, 'the apology');
    assert.equal(collecting.errors.length, 1);

    const taking = await createTestBot({ plugins: [broken] });
    t.after(() => taking.close());
    await taking.user('bob').send('x');
    await assert.rejects(taking.idle());
    await taking.user('bob').send('y');
    await taking.runtime.idle();
    assert.equal(taking.takeErrors().length, 1);
    await taking.idle();
  });

  test('when command examples are run, then matching ones pass and a wrong one is reported with what came back', async (t) => {
    const greeter = definePlugin({
      name: 'greeter',
      setup(ctx) {
        ctx.command({
          name: 'greet',
          summary: 'Greet someone',
          usage: '<name>',
          examples: [{ send: 'greet bob', reply: 'Hello, bob!' }, { send: 'greet x', reply: /^Hello, x!$/ }, 'greet carol'],
          run: ({ argv }) => `Hello, ${argv[0]}!`,
        });
        ctx.command({
          name: 'wrong',
          summary: 'Documents the wrong reply',
          examples: [{ send: 'wrong', reply: ['a', 'b'] }],
          run: () => 'a',
        });
      },
    });
    const bot = await createTestBot({ plugins: [greeter] });
    t.after(() => bot.close());
    const examples = bot.examples();
    assert.deepEqual(
      examples.map((e) => e.title),
      ['greet: greet bob', 'greet: greet x', 'greet: greet carol', 'wrong: wrong'],
    );
    for (const example of examples.slice(0, 3)) await example.run();
    await assert.rejects(
      bot.runExamples(),
      /1 command example\(s\) failed:\nexample "wrong" of command "wrong" \(plugin greeter\) from alice: expected \["a", "b"\], got \["a"\]/,
    );
  });

  test('when the bot\'s connection is dropped, then it comes back by itself and answers again', async (t) => {
    const bot = await createTestBot({ plugins: [echo] });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    await alice.online();
    await bot.dropConnection();
    await bot.botOnline();
    assert.deepEqual(await alice.ask('back?'), ['back?']);
  });

  test('when the bot\'s name is taken while it is held offline, then it retries until the name frees', async (t) => {
    const bot = await createTestBot({ plugins: [echo] });
    t.after(() => bot.close());
    const hold = await bot.dropConnection({ hold: true });
    const impostor = await bot.takeName('bot');
    const refused = new Promise<void>((resolve) => {
      const onState = (state: { type: string; lastError?: { code?: string; status?: string } }): void => {
        if (state.type === 'backoff' && state.lastError?.status === '101') {
          bot.client.off('state', onState);
          resolve();
        }
      };
      bot.client.on('state', onState);
    });
    hold.release();
    await refused;
    await impostor.release();
    await bot.botOnline();
    assert.deepEqual(await bot.user('alice').ask('mine again'), ['mine again']);
  });

  test('when closed, then the server, the users and the bot are all gone and the state directory is removed', async () => {
    const bot = await createTestBot({ plugins: [echo] });
    const alice = bot.user('alice');
    await alice.online();
    const { server, stateDir } = bot;
    await bot.close();
    assert.equal(server.stats.connections, 0);
    assert.equal(server.address, undefined);
    assert.equal(bot.runtime.state, 'stopped');
    assert.equal(alice.client.state.type, 'closed');
    const { access } = await import('node:fs/promises');
    await assert.rejects(access(stateDir));
  });

  test('when a plugin\'s options are invalid, then createTestBot fails as sup bot would', async () => {
    const strict = definePlugin({
      name: 'strict',
      options: (raw: unknown) => {
        if (typeof raw !== 'number') throw new Error('options must be a number');
        return raw;
      },
      setup() {},
    });
    await assert.rejects(createTestBot({ plugins: [strict], options: { strict: 'x' } }), {
      code: 'SUP_PLUGIN_INVALID_OPTIONS',
      message: 'invalid options for plugin "strict": options must be a number; fix them in its configuration',
    });
  });
});
