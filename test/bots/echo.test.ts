import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
// Through the public entry points, as a bot author would (needs `npm run build`).
import { definePlugin } from 'sup';
import { createTestBot } from 'sup/testing';
import echo from '../../bots/echo.js';

describe('the echo bot', () => {
  test('when a user sends text, then exactly that text comes back to that user only', async (t) => {
    const bot = await createTestBot({ plugins: [echo] });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    const bob = bot.user('bob');
    await bob.online();
    const text = '  spaced\tand\nmulti-line  ';
    assert.deepEqual(await alice.ask(text), [text]);
    assert.deepEqual(bob.take(), []);
  });

  test('when one user sends several messages, then the echoes come back in order', async (t) => {
    const bot = await createTestBot({ plugins: [echo], limits: { rate: { burst: 20, perSecond: 100 } } });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    const texts = Array.from({ length: 20 }, (_, i) => `message ${i}`);
    await Promise.all(texts.map((text) => alice.send(text)));
    await bot.idle();
    assert.deepEqual(
      alice.take().map((m) => m.text),
      texts,
    );
  });

  test('when the bot gets a message from its own name, then it does not answer itself', async (t) => {
    const selfie = definePlugin({
      name: 'selfie',
      setup(ctx) {
        ctx.command({ name: 'selfie', summary: 'Message myself', run: async () => ctx.send(ctx.botName, 'hello me') });
      },
    });
    const bot = await createTestBot({ plugins: [selfie, echo] });
    t.after(() => bot.close());
    assert.deepEqual(await bot.user('alice').ask('selfie'), ['delivered']);
    // A second round trip on the bot's connection: the message to itself has arrived by then.
    await bot.idle();
    assert.equal(bot.runtime.stats.received, 1);
  });

  test('when another bot echoes back, then the loop guard ends the ping-pong', async (t) => {
    const bot = await createTestBot({ plugins: [echo], limits: { loopGuard: { max: 3, windowMs: 60_000 } } });
    t.after(() => bot.close());
    const other = bot.user('otherbot');
    other.client.on('message', (message) => void other.sendTo(message.from, message.text));
    await other.send('ping');
    await bot.idle();
    assert.deepEqual(
      other.received.map((m) => m.text),
      ['ping', 'ping', 'ping'],
    );
    assert.equal(bot.logs.filter((entry) => entry.event === 'loop-guard').length, 1);
  });
});
