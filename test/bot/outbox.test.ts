import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isOfflineError } from '../../src/bot/client-port.js';
import { Outbox } from '../../src/bot/outbox.js';
import type { SendOutcome } from '../../src/bot/plugin.js';
import { FakeClock, settle } from '../helpers/fake-clock.js';
import { ScriptedClient } from './helpers/fake-client.js';
import { RecordingLogger } from './helpers/recording-logger.js';

function makeOutbox(overrides: { burst?: number; perSecond?: number; max?: number; windowMs?: number } = {}) {
  const clock = new FakeClock();
  const client = new ScriptedClient();
  const logger = new RecordingLogger();
  const outbox = new Outbox({
    rate: { burst: overrides.burst ?? 2, perSecond: overrides.perSecond ?? 1 },
    loopGuard: { max: overrides.max ?? 100, windowMs: overrides.windowMs ?? 60_000 },
    clock,
    logger,
    transmit: (to, text) => client.send(to, text),
    isOffline: isOfflineError,
  });
  outbox.start();
  return { clock, client, logger, outbox };
}

describe('Outbox', () => {
  test('when more than the burst goes to one recipient, then the rest leaves at the rate, in order', async () => {
    const { clock, client, outbox } = makeOutbox({ burst: 2, perSecond: 1 });
    const outcomes = ['m1', 'm2', 'm3', 'm4', 'm5'].map((text) => outbox.send('alice', text));
    await settle();
    assert.deepEqual(client.textsTo('alice'), ['m1', 'm2']);
    await clock.advance(999);
    assert.deepEqual(client.textsTo('alice'), ['m1', 'm2']);
    await clock.advance(1);
    assert.deepEqual(client.textsTo('alice'), ['m1', 'm2', 'm3']);
    await clock.advance(2000);
    assert.deepEqual(client.textsTo('alice'), ['m1', 'm2', 'm3', 'm4', 'm5']);
    assert.deepEqual(await Promise.all(outcomes), ['delivered', 'delivered', 'delivered', 'delivered', 'delivered']);
  });

  test('when one recipient is being paced, then another recipient is not held up', async () => {
    const { client, outbox } = makeOutbox({ burst: 1, perSecond: 1 });
    void outbox.send('alice', 'a1');
    void outbox.send('alice', 'a2');
    const toBob = outbox.send('bob', 'b1');
    assert.equal(await toBob, 'delivered');
    assert.deepEqual(client.textsTo('alice'), ['a1']);
    assert.equal(outbox.outstanding, 1);
  });

  test('when the same text goes to the same recipient more than the loop guard allows, then it is held and logged once', async () => {
    const { client, logger, outbox } = makeOutbox({ burst: 100, max: 2, windowMs: 1000 });
    const outcomes = await Promise.all([1, 2, 3, 4].map(() => outbox.send('otherbot', 'ping')));
    assert.deepEqual(outcomes, ['delivered', 'delivered', 'held', 'held'] satisfies SendOutcome[]);
    assert.deepEqual(client.textsTo('otherbot'), ['ping', 'ping']);
    const logged = logger.events('loop-guard');
    assert.equal(logged.length, 1);
    assert.equal(logged[0]?.level, 'warn');
    assert.equal(logged[0]?.fields.to, 'otherbot');
  });

  test('when the loop-guard window has passed, then the same text goes out again', async () => {
    const { clock, outbox } = makeOutbox({ burst: 100, max: 1, windowMs: 1000 });
    assert.equal(await outbox.send('alice', 'hi'), 'delivered');
    assert.equal(await outbox.send('alice', 'hi'), 'held');
    await clock.advance(1000);
    assert.equal(await outbox.send('alice', 'hi'), 'delivered');
  });

  test('when the recipient is offline (104), then the outcome is offline, not an error', async () => {
    const { client, outbox } = makeOutbox();
    client.offline.add('carol');
    assert.equal(await outbox.send('carol', 'hello'), 'offline');
  });

  test('when the text or the name cannot travel, then it is refused before the client sees it', async () => {
    const { client, outbox } = makeOutbox();
    await assert.rejects(outbox.send('alice', ''), { code: 'SUP_BOT_INVALID_MESSAGE' });
    await assert.rejects(outbox.send('alice', 'caf\u00e9'), { code: 'SUP_BOT_INVALID_MESSAGE' });
    await assert.rejects(outbox.send('not a name', 'hi'), { code: 'SUP_BOT_INVALID_RECIPIENT' });
    assert.deepEqual(client.calls, []);
  });

  test('when not started, then messages wait, and go in order once started', async () => {
    const clock = new FakeClock();
    const client = new ScriptedClient();
    const outbox = new Outbox({
      rate: { burst: 10, perSecond: 1 },
      loopGuard: { max: 10, windowMs: 1000 },
      clock,
      logger: new RecordingLogger(),
      transmit: (to, text) => client.send(to, text),
      isOffline: isOfflineError,
    });
    const sent = [outbox.send('alice', 'one'), outbox.send('alice', 'two')];
    await settle();
    assert.deepEqual(client.calls, []);
    outbox.start();
    await Promise.all(sent);
    assert.deepEqual(client.textsTo('alice'), ['one', 'two']);
  });

  test('when aborted, then waiting messages reject as stopped and the one in flight settles with the answer', async () => {
    const { client, outbox } = makeOutbox({ burst: 1, perSecond: 1 });
    client.holdSends = true;
    const first = outbox.send('alice', 'one');
    const second = outbox.send('alice', 'two');
    const third = outbox.send('alice', 'three');
    await settle();
    assert.equal(client.heldCount, 1);
    outbox.abort();
    client.release();
    assert.equal(await first, 'delivered');
    await assert.rejects(second, { code: 'SUP_BOT_STOPPED' });
    await assert.rejects(third, { code: 'SUP_BOT_STOPPED' });
    await assert.rejects(outbox.send('alice', 'four'), { code: 'SUP_BOT_STOPPED' });
    await outbox.idle();
    assert.equal(outbox.outstanding, 0);
  });

  test('when sends are in flight, then idle waits for all of them to settle', async () => {
    const { client, outbox } = makeOutbox({ burst: 10 });
    client.holdSends = true;
    void outbox.send('alice', 'one');
    void outbox.send('bob', 'two');
    let idle = false;
    const waiting = outbox.idle().then(() => {
      idle = true;
    });
    await settle();
    assert.equal(idle, false);
    client.release();
    await waiting;
    assert.deepEqual(client.sent.length, 2);
  });
});

describe('Outbox under load', () => {
  test('when many recipients are being paced at once, then no MaxListenersExceededWarning is raised', async (t) => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => void warnings.push(warning);
    process.on('warning', onWarning);
    t.after(() => process.off('warning', onWarning));
    const { clock, client, outbox } = makeOutbox({ burst: 1, perSecond: 1 });
    const names = Array.from({ length: 40 }, (_, i) => `user${i}`);
    const outcomes = names.flatMap((name) => [outbox.send(name, 'first'), outbox.send(name, 'second')]);
    await clock.advance(1000);
    assert.deepEqual(await Promise.all(outcomes), outcomes.map(() => 'delivered'));
    assert.equal(client.textsTo('user39').length, 2);
    // Warnings are emitted on the next tick.
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message), []);
  });
});
