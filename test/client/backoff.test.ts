import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backoffCeiling, backoffDelay, serverFullDelay } from '../../src/client/backoff.js';
import { resolveClientOptions } from '../../src/client/options.js';

const options = { initialDelayMs: 100, maxDelayMs: 5_000 };
const lowest = (): number => 0;
const highest = (): number => 0.999_999;

test('when attempts grow, then the ceiling grows by the multiplier until the cap', () => {
  const ceilings = [1, 2, 3, 4, 5, 6, 7, 8].map((attempt) => backoffCeiling(attempt, options));
  assert.deepEqual(ceilings, [100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  assert.deepEqual(
    [1, 2, 3].map((attempt) => backoffCeiling(attempt, { ...options, multiplier: 3 })),
    [100, 300, 900],
  );
});

test('when random is at its ends, then the delay spans zero to just under the ceiling (full jitter)', () => {
  for (const attempt of [1, 3, 10]) {
    assert.equal(backoffDelay(attempt, options, lowest), 0);
    const top = backoffDelay(attempt, options, highest);
    assert.ok(top < backoffCeiling(attempt, options), `attempt ${attempt}: ${top}`);
    assert.ok(top >= backoffCeiling(attempt, options) - 1, `attempt ${attempt}: ${top}`);
  }
  assert.equal(backoffDelay(2, options, () => 0.5), 100);
});

test('when the attempt count is huge, then the delay stays a finite number within the cap', () => {
  for (const attempt of [64, 1_000, 1e9, Number.MAX_SAFE_INTEGER]) {
    const delay = backoffDelay(attempt, options, highest);
    assert.ok(Number.isFinite(delay) && delay <= options.maxDelayMs, `attempt ${attempt}: ${delay}`);
  }
});

test('when attempt is below 1, then it counts as the first attempt', () => {
  assert.equal(backoffCeiling(0, options), 100);
  assert.equal(backoffCeiling(-3, options), 100);
});

test('when the server is full, then the delay is at least half of a much later ceiling, never near zero', () => {
  assert.equal(serverFullDelay(1, options, lowest), 400);
  assert.ok(serverFullDelay(1, options, highest) < 800);
  assert.ok(serverFullDelay(1, options, lowest) > backoffDelay(1, options, highest));
  assert.equal(serverFullDelay(20, options, lowest), options.maxDelayMs / 2);
  assert.ok(serverFullDelay(20, options, highest) <= options.maxDelayMs);
});

test('when the server has been away a long time, then with the default options the next attempt is at most 5 s away, jittered from 0', () => {
  const defaults = resolveClientOptions({ username: 'echo' }).reconnect;
  assert.ok(defaults !== false);
  for (const attempt of [10, 20, 100]) {
    assert.ok(backoffDelay(attempt, defaults, () => 0.999_999) <= 5_000, `attempt ${attempt}`);
    assert.equal(backoffDelay(attempt, defaults, () => 0), 0);
  }
});
