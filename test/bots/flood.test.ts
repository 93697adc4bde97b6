import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import echo from '../../bots/echo.js';
import relay from '../../bots/relay.js';
import type { SupClientState } from '../../src/client/sup-client.js';
import { createTestBot, type TestBot } from '../../src/testing/index.js';

/** The bot's connection state changes and its largest queued bytes while a flood runs. */
function watch(bot: TestBot) {
  const watched = { states: [] as string[], peakQueuedBytes: 0 };
  const onState = (state: SupClientState): void => void watched.states.push(state.type);
  // Added after the runtime's listener: each message has been queued (or dropped) when this runs.
  const onMessage = (): void => {
    watched.peakQueuedBytes = Math.max(watched.peakQueuedBytes, bot.runtime.stats.queuedBytes);
  };
  bot.client.on('state', onState);
  bot.client.on('message', onMessage);
  return watched;
}

function droppedInLog(bot: TestBot): number {
  return bot.logs.filter((entry) => entry.event === 'messages-dropped').reduce((sum, entry) => sum + (entry.fields.count as number), 0);
}

const isNotice = (text: string): boolean => /^Sorry, .* dropped unanswered/.test(text);

describe('bots under a flood', () => {
  test('when one member floods the relay past its backlog, then the excess is dropped, the sender is told once, and every drop is logged', async (t) => {
    const bot = await createTestBot({
      plugins: [relay],
      options: { relay: { members: ['alice', 'bob'] } },
      limits: { maxQueuedPerSender: 3, rate: { burst: 1, perSecond: 5 } },
    });
    t.after(() => bot.close());
    const [alice, bob] = [bot.user('alice'), bot.user('bob')];
    await Promise.all([alice.online(), bob.online()]);
    const watched = watch(bot);
    const lines = Array.from({ length: 20 }, (_, i) => `line ${i}`);
    // Every one is acknowledged (000) by the server: the bot has to account for each.
    await Promise.all(lines.map((line) => alice.send(line)));
    await bot.idle();

    const relayed = bob.take().map((m) => m.text);
    const { received, dropped } = bot.runtime.stats;
    assert.ok(dropped > 0, 'the flood outran the relay');
    assert.equal(received + dropped, lines.length);
    assert.equal(relayed.length, received);
    // What got through is in order, a subsequence of what was sent.
    const positions = relayed.map((text) => lines.indexOf(text.replace(/^<alice> /, '')));
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b));
    assert.ok(positions.every((p) => p >= 0));
    const notices = alice.take().map((m) => m.text);
    assert.deepEqual(notices, [
      'Sorry, you sent messages faster than I can handle them: 1 message of yours was dropped unanswered. Please wait for my replies before sending more.',
    ]);
    assert.deepEqual(watched.states, [], 'the bot stayed online');

    await bot.close();
    assert.equal(droppedInLog(bot), dropped, 'the drops not yet told are logged at shutdown');
  });

  test('when many senders flood echo with large messages, then queued bytes stay within the budget, the bot stays online, and each dropped sender is told', async (t) => {
    const maxQueuedBytes = 32 * 1024;
    const bot = await createTestBot({
      plugins: [echo],
      limits: { maxQueuedBytes, concurrency: 4, rate: { burst: 1, perSecond: 10 } },
    });
    t.after(() => bot.close());
    const users = Array.from({ length: 20 }, (_, i) => bot.user(`flooder${i}`));
    await Promise.all(users.map((user) => user.online()));
    const watched = watch(bot);
    const texts = Array.from({ length: 10 }, (_, i) => `${i} ${'x'.repeat(4000)}`);
    await Promise.all(users.flatMap((user) => texts.map((text) => user.send(text))));
    await bot.idle();

    const { received, dropped } = bot.runtime.stats;
    assert.equal(received + dropped, users.length * texts.length);
    assert.ok(dropped > 0, 'the flood passed the byte budget');
    assert.ok(watched.peakQueuedBytes <= maxQueuedBytes, `peak ${watched.peakQueuedBytes} bytes queued`);
    assert.deepEqual(watched.states, [], 'the bot stayed online: never cut off as a slow reader');
    let echoed = 0;
    for (const user of users) {
      const got = user.take().map((m) => m.text);
      const echoes = got.filter((text) => !isNotice(text));
      echoed += echoes.length;
      const positions = echoes.map((text) => texts.indexOf(text));
      assert.deepEqual(positions, [...positions].sort((a, b) => a - b), `${user.name}: echoes in order`);
      const notices = got.filter(isNotice);
      const lost = texts.length - echoes.length;
      assert.equal(notices.length, lost > 0 ? 1 : 0, `${user.name}: told once that ${lost} were dropped`);
      if (lost > 0) assert.match(notices[0]!, /1 message of yours was dropped/);
    }
    assert.equal(echoed, received);

    await bot.close();
    assert.equal(droppedInLog(bot), dropped);
  });
});
