import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createTestBot } from 'sup/testing';
import remind from '../../bots/remind.js';

const MINUTE = 60_000;
const options = { remind: { timezone: 'UTC' } };

describe('the remind bot', () => {
  test('when a user asks to be reminded in 10m, then the reminder comes once, 10 minutes later', async (t) => {
    const bot = await createTestBot({ plugins: [remind], options, now: '2026-01-05T08:00:00Z' });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    assert.deepEqual(await alice.ask('remind me in 10m to stretch'), ['OK, I will remind you at 2026-01-05 08:10 (UTC) to stretch.']);
    await bot.clock.advance(10 * MINUTE - 1_000);
    await bot.idle();
    assert.deepEqual(alice.take(), []);
    await bot.clock.advance(1_000);
    await bot.idle();
    assert.deepEqual(alice.take().map((m) => m.text), ['Reminder: stretch']);
    await bot.clock.advance(5 * MINUTE);
    await bot.idle();
    assert.deepEqual(alice.take(), []);
    assert.deepEqual(await alice.ask('reminders'), ['You have no reminders.']);
  });

  test('when a user asks for 09:00, then it is the next 09:00 in the zone, and the list and forget work', async (t) => {
    const bot = await createTestBot({ plugins: [remind], options: { remind: { timezone: 'Europe/Berlin' } }, now: '2026-01-05T09:30:00Z' });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    // 09:30 UTC is 10:30 in Berlin: 09:00 Berlin is tomorrow, 08:00 UTC.
    assert.deepEqual(await alice.ask('remind me at 09:00 to stand up'), ['OK, I will remind you at 2026-01-06 09:00 (Europe/Berlin) to stand up.']);
    assert.deepEqual(await alice.ask('remind me in 2h to eat'), ['OK, I will remind you at 2026-01-05 12:30 (Europe/Berlin) to eat.']);
    assert.deepEqual(await alice.ask('reminders'), ['1. 2026-01-05 12:30 eat\n2. 2026-01-06 09:00 stand up']);
    assert.deepEqual(await alice.ask('forget 1'), ['Forgotten: eat.']);
    assert.deepEqual(await alice.ask('forget 5'), ['You have no reminder 5; send "reminders" to see them.']);
    assert.deepEqual(await bot.user('bob').ask('reminders'), ['You have no reminders.']);
    await bot.clock.advanceTo('2026-01-06T08:00:00Z');
    await bot.idle();
    assert.deepEqual(alice.take().map((m) => m.text), ['Reminder: stand up']);
  });

  test('when the bot restarts, then reminders survive, and one due while it was down comes once on return', async (t) => {
    const bot = await createTestBot({ plugins: [remind], options, now: '2026-01-05T08:00:00Z' });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    await alice.ask('remind me in 10m to stretch');
    await alice.ask('remind me in 1h to go home');
    await bot.restartBot({ downFor: 20 * MINUTE });
    await bot.botOnline();
    await bot.clock.advance(1_000);
    await bot.idle();
    assert.deepEqual(alice.take().map((m) => m.text), ['Reminder: stretch']);
    await bot.restartBot();
    await bot.clock.advance(5 * MINUTE);
    await bot.idle();
    assert.deepEqual(alice.take(), [], 'delivered once, not again after another restart');
    assert.deepEqual(await alice.ask('reminders'), ['1. 2026-01-05 09:00 go home']);
    await bot.clock.advanceTo('2026-01-05T09:00:00Z');
    await bot.idle();
    assert.deepEqual(alice.take().map((m) => m.text), ['Reminder: go home']);
  });

  test('when the user is offline at the time, then it is tried again each minute and delivered once they are back', async (t) => {
    const bot = await createTestBot({ plugins: [remind], options, now: '2026-01-05T08:00:00Z' });
    t.after(() => bot.close());
    let alice = bot.user('alice');
    await alice.ask('remind me in 1m to call back');
    await alice.leave();
    await bot.clock.advance(MINUTE + 30_000);
    await bot.idle();
    alice = bot.user('alice');
    await alice.online();
    await bot.clock.advance(MINUTE);
    await bot.idle();
    assert.deepEqual(alice.take().map((m) => m.text), ['Reminder: call back']);
  });

  test('when the command is malformed, then the usage comes back; its examples hold', async (t) => {
    const bot = await createTestBot({ plugins: [remind], options });
    t.after(() => bot.close());
    await bot.runExamples();
    const [help] = await bot.user('erin').ask('help remind');
    assert.match(help!, /^ {2}remind me in 10m to stretch\n {4}-> \(a reply matching/m);
  });
});
