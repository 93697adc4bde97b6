import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LoopGuard } from '../../src/bot/loop-guard.js';

describe('LoopGuard', () => {
  test('when the same text goes to the same recipient more than max times in the window, then the rest is held', () => {
    const guard = new LoopGuard({ max: 3, windowMs: 1000 });
    const verdicts = [0, 1, 2, 3, 4].map((t) => guard.admit('alice', 'ping', t));
    assert.deepEqual(
      verdicts.map((v) => v.admitted),
      [true, true, true, false, false],
    );
    assert.deepEqual(
      verdicts.map((v) => v.firstHeld),
      [false, false, false, true, false],
    );
  });

  test('when the window has passed, then the text is admitted again', () => {
    const guard = new LoopGuard({ max: 2, windowMs: 1000 });
    guard.admit('alice', 'ping', 0);
    guard.admit('alice', 'ping', 10);
    assert.equal(guard.admit('alice', 'ping', 999).admitted, false);
    assert.equal(guard.admit('alice', 'ping', 1000).admitted, true);
    assert.equal(guard.admit('alice', 'ping', 1009).admitted, false);
    assert.equal(guard.admit('alice', 'ping', 1010).admitted, true);
  });

  test('when the text or the recipient differs, then each is counted on its own', () => {
    const guard = new LoopGuard({ max: 1, windowMs: 1000 });
    assert.equal(guard.admit('alice', 'ping', 0).admitted, true);
    assert.equal(guard.admit('alice', 'pong', 0).admitted, true);
    assert.equal(guard.admit('bob', 'ping', 0).admitted, true);
    assert.equal(guard.admit('alice', 'ping', 0).admitted, false);
  });

  test('when held back again after an admitted send, then the first held one is reported again', () => {
    const guard = new LoopGuard({ max: 1, windowMs: 100 });
    guard.admit('alice', 'x', 0);
    assert.equal(guard.admit('alice', 'x', 1).firstHeld, true);
    assert.equal(guard.admit('alice', 'x', 2).firstHeld, false);
    guard.admit('alice', 'x', 100);
    assert.equal(guard.admit('alice', 'x', 101).firstHeld, true);
  });

  test('when windows pass without repeats, then old texts are forgotten', () => {
    const guard = new LoopGuard({ max: 5, windowMs: 100 });
    for (let i = 0; i < 50; i++) guard.admit('alice', `message ${i}`, 0);
    assert.equal(guard.size, 50);
    guard.admit('alice', 'later', 500);
    assert.equal(guard.size, 1);
  });
});
