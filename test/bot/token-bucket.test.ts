import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { TokenBucket } from '../../src/bot/token-bucket.js';

describe('TokenBucket', () => {
  test('when full, then a whole burst goes at once and the next must wait one token', () => {
    const bucket = new TokenBucket({ burst: 3, perSecond: 2 }, 0);
    assert.deepEqual([bucket.take(0), bucket.take(0), bucket.take(0)], [0, 0, 0]);
    assert.equal(bucket.take(0), 500);
  });

  test('when a refused take is retried after the wait, then it succeeds', () => {
    const bucket = new TokenBucket({ burst: 1, perSecond: 4 }, 0);
    assert.equal(bucket.take(0), 0);
    const wait = bucket.take(0);
    assert.equal(wait, 250);
    assert.equal(bucket.take(wait - 1), 1);
    assert.equal(bucket.take(wait), 0);
  });

  test('when time passes, then tokens refill at the rate but never beyond the burst', () => {
    const bucket = new TokenBucket({ burst: 2, perSecond: 1 }, 0);
    bucket.take(0);
    bucket.take(0);
    assert.equal(bucket.available(500), 0.5);
    assert.equal(bucket.available(60_000), 2);
    assert.equal(bucket.isFull(60_000), true);
  });

  test('when sending steadily, then the long-run rate is perSecond, not the burst (unlike a fixed window)', () => {
    const bucket = new TokenBucket({ burst: 5, perSecond: 2 }, 0);
    let now = 0;
    let sent = 0;
    // Greedy sender over 10 s: burst 5 + 2/s × 10 s = 25 sends, and no more.
    while (now <= 10_000) {
      const wait = bucket.take(now);
      if (wait === 0) sent++;
      else now += wait;
    }
    assert.equal(sent, 25);
  });

  test('when the burst is spent, then the next send waits one token, not a whole window (unlike a sliding window)', () => {
    const bucket = new TokenBucket({ burst: 10, perSecond: 10 }, 0);
    for (let i = 0; i < 10; i++) assert.equal(bucket.take(0), 0);
    assert.equal(bucket.take(0), 100);
  });

  test('when the clock steps back, then no tokens are lost or gained', () => {
    const bucket = new TokenBucket({ burst: 2, perSecond: 1 }, 1000);
    bucket.take(1000);
    assert.equal(bucket.available(500), 1);
    assert.equal(bucket.available(1000), 1);
  });

  test('with a fractional rate, then the wait covers a whole token', () => {
    const bucket = new TokenBucket({ burst: 1, perSecond: 0.5 }, 0);
    bucket.take(0);
    assert.equal(bucket.take(0), 2000);
  });
});
