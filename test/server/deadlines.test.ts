import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { Deadlines } from '../../src/server/deadlines.js';

const activeTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

/** Deadlines whose expiries are recorded; `expired(n)` resolves once n items have expired. */
function recording(timeoutMs: number, onExpire?: (item: string) => void) {
  const seen: string[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const deadlines = new Deadlines<string>(timeoutMs, (item) => {
    seen.push(item);
    onExpire?.(item);
    for (const waiter of waiters.filter((w) => seen.length >= w.count)) waiter.resolve();
  });
  const expired = (count: number): Promise<string[]> =>
    seen.length >= count ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ count, resolve: () => resolve(seen) }));
  return { deadlines, seen, expired };
}

describe('Deadlines (login timeouts)', () => {
  test('when items are added and some cancelled, then the others expire in the order added and no timer is left', async (t) => {
    const timersBefore = activeTimers();
    const { deadlines, seen, expired } = recording(20);
    t.after(() => deadlines.clear());
    const tickets = ['a', 'b', 'c', 'd'].map((item) => deadlines.add(item));
    deadlines.cancel(tickets[1]!);
    assert.equal(deadlines.size, 3);
    assert.deepEqual(await expired(3), ['a', 'c', 'd']);
    await nextTurn();
    assert.deepEqual(seen, ['a', 'c', 'd']);
    assert.equal(deadlines.size, 0);
    assert.equal(activeTimers(), timersBefore);
  });

  test('when every waiting item is cancelled, then the timer stops at once', (t) => {
    const timersBefore = activeTimers();
    const { deadlines, seen } = recording(10_000);
    t.after(() => deadlines.clear());
    const first = deadlines.add('first');
    const second = deadlines.add('second');
    assert.equal(activeTimers(), timersBefore + 1);
    deadlines.cancel(first);
    deadlines.cancel(first);
    assert.equal(activeTimers(), timersBefore + 1, 'a second cancel of the same ticket changes nothing');
    deadlines.cancel(second);
    assert.equal(activeTimers(), timersBefore);
    assert.equal(deadlines.size, 0);
    assert.deepEqual(seen, []);
  });

  test('when clear() is called, then nothing is waiting, no timer runs, and old tickets are ignored', async (t) => {
    const timersBefore = activeTimers();
    const { deadlines, expired } = recording(20);
    t.after(() => deadlines.clear());
    const old = deadlines.add('old');
    deadlines.clear();
    assert.equal(activeTimers(), timersBefore);
    const fresh = deadlines.add('fresh');
    assert.notEqual(fresh, old);
    deadlines.cancel(old);
    assert.equal(deadlines.size, 1, 'a ticket from before clear() cancels nothing');
    assert.deepEqual(await expired(1), ['fresh']);
  });

  test('when thousands expire at once and one added meanwhile is cancelled later, then the cancel still finds it', async (t) => {
    const timersBefore = activeTimers();
    const count = 3000;
    let late = -1;
    const { deadlines, seen, expired } = recording(20, (item) => {
      // Added as the last of the batch expires: its deadline is later than the time that expiry ran at.
      if (item === `item${count - 1}`) late = deadlines.add('late');
    });
    t.after(() => deadlines.clear());
    for (let i = 0; i < count; i++) deadlines.add(`item${i}`);
    assert.deepEqual(await expired(count), Array.from({ length: count }, (_, i) => `item${i}`));
    await nextTurn();
    assert.equal(deadlines.size, 1);
    deadlines.cancel(late);
    assert.equal(deadlines.size, 0);
    assert.equal(activeTimers(), timersBefore);
    assert.equal(seen.length, count);
  });
});
