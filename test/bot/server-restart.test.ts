import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { definePlugin, type SendOutcome } from '../../src/bot/plugin.js';
import { createTestBot } from '../../src/testing/index.js';
import { Gate } from './helpers/gate.js';

describe('a bot across a server restart', () => {
  test('when replies are accepted while the server is down, then every one arrives in order once it is back', async (t) => {
    const started = new Gate();
    const proceed = new Gate();
    const outcomes: Array<Promise<SendOutcome>> = [];
    const gated = definePlugin({
      name: 'gated',
      setup(ctx) {
        ctx.hear('work', async (message) => {
          started.open();
          await proceed.promise;
          for (const text of ['r1', 'r2', 'r3']) outcomes.push(message.reply(text));
          await Promise.all(outcomes);
        });
      },
    });
    // A burst of one makes r2 and r3 wait in the outbox as well as in the client.
    const bot = await createTestBot({ plugins: [gated], limits: { rate: { burst: 1, perSecond: 50 } } });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    await alice.send('work');
    await started.promise;

    const hold = await bot.restartServer({ holdBot: true });
    await alice.online();
    proceed.open();
    assert.notEqual(bot.client.state.type, 'online');
    hold.release();
    await bot.botOnline();
    await bot.idle();

    assert.deepEqual(await Promise.all(outcomes), ['delivered', 'delivered', 'delivered']);
    assert.deepEqual(
      alice.take().map((m) => `<${m.from}> ${m.text}`),
      ['<bot> r1', '<bot> r2', '<bot> r3'],
    );
    assert.deepEqual(await alice.ask('work'), ['r1', 'r2', 'r3'], 'the bot still works after the restart');
  });

  test('when the server restarts between messages, then the bot is back with its state and answers', async (t) => {
    const counter = definePlugin({
      name: 'counter',
      setup(ctx) {
        ctx.command({
          name: 'count',
          summary: 'Count up',
          examples: [{ send: 'count', reply: /^\d+$/ }],
          run: async () => {
            const n = (ctx.store.get<number>('n') ?? 0) + 1;
            await ctx.store.set('n', n);
            return String(n);
          },
        });
      },
    });
    const bot = await createTestBot({ plugins: [counter] });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    assert.deepEqual(await alice.ask('count'), ['1']);
    await bot.restartServer();
    await Promise.all([bot.botOnline(), alice.online()]);
    assert.deepEqual(await alice.ask('count'), ['2']);
    await bot.restartBot();
    assert.deepEqual(await alice.ask('count'), ['3']);
  });
});
