import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Dispatcher, queuedBytesOf, type IncomingMessage } from '../../src/bot/dispatcher.js';
import type { HandlerTimeoutError } from '../../src/bot/errors.js';
import { FakeClock, settle } from '../helpers/fake-clock.js';
import { Gate } from './helpers/gate.js';

function message(from: string, text: string): IncomingMessage {
  return { from, text, receivedAt: new Date(0) };
}

/** A dispatcher whose handler logs start/end and waits on a gate per message text. */
function harness(options: { concurrency: number; handlerTimeoutMs?: number; maxQueuedPerSender?: number; maxQueuedBytes?: number }) {
  const clock = new FakeClock();
  const log: string[] = [];
  const gates = new Map<string, Gate>();
  const signals = new Map<string, AbortSignal>();
  const timeouts: Array<{ message: IncomingMessage; error: HandlerTimeoutError }> = [];
  const gate = (text: string): Gate => {
    let found = gates.get(text);
    if (found === undefined) {
      found = new Gate();
      gates.set(text, found);
    }
    return found;
  };
  const dispatcher = new Dispatcher({
    concurrency: options.concurrency,
    maxQueuedPerSender: options.maxQueuedPerSender ?? 1000,
    maxQueuedBytes: options.maxQueuedBytes ?? Number.MAX_SAFE_INTEGER,
    handlerTimeoutMs: options.handlerTimeoutMs ?? 1000,
    clock,
    handle: async (m, signal) => {
      signals.set(m.text, signal);
      log.push(`start ${m.text}`);
      await gate(m.text).promise;
      log.push(`end ${m.text}`);
    },
    timedOut: (m, error) => timeouts.push({ message: m, error }),
  });
  return { clock, log, gate, signals, timeouts, dispatcher };
}

describe('Dispatcher', () => {
  test('when a sender floods past its backlog bound, then the excess is refused and the rest still runs in order', async () => {
    const { log, gate, dispatcher } = harness({ concurrency: 4, maxQueuedPerSender: 2 });
    assert.equal(dispatcher.push(message('alice', 'a1')), 'accepted');
    await settle();
    // a1 is running; a2 and a3 wait; a4 would be a third waiting message.
    const outcomes = ['a2', 'a3', 'a4'].map((text) => dispatcher.push(message('alice', text)));
    assert.deepEqual(outcomes, ['accepted', 'accepted', 'full']);
    assert.equal(dispatcher.push(message('bob', 'b1')), 'accepted', 'other senders are not affected');
    for (const text of ['a1', 'a2', 'a3', 'b1']) gate(text).open();
    await dispatcher.idle();
    assert.deepEqual(
      log.filter((line) => / a\d$/.test(line)),
      ['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3'],
    );
  });

  test('when many senders together reach the byte budget, then further messages are refused until queued ones start', async () => {
    const text = 'x'.repeat(1000);
    const each = queuedBytesOf(message('user0', text));
    const { gate, dispatcher } = harness({ concurrency: 1, maxQueuedBytes: each * 3 });
    assert.equal(dispatcher.push(message('user0', text)), 'accepted');
    await settle();
    // user0 is running (its bytes freed); three more may wait; the rest would pass the budget.
    const outcomes = [1, 2, 3, 4, 5].map((i) => dispatcher.push(message(`user${i}`, text)));
    assert.deepEqual(outcomes, ['accepted', 'accepted', 'accepted', 'over-budget', 'over-budget']);
    assert.equal(dispatcher.queuedBytes, each * 3);
    gate(text).open();
    await dispatcher.idle();
    assert.equal(dispatcher.queuedBytes, 0);
    assert.equal(dispatcher.push(message('user9', text)), 'accepted');
  });

  test('when one sender sends several messages, then they are handled one at a time in arrival order', async () => {
    const { log, gate, dispatcher } = harness({ concurrency: 8 });
    for (const text of ['a1', 'a2', 'a3']) dispatcher.push(message('alice', text));
    await settle();
    assert.deepEqual(log, ['start a1']);
    gate('a2').open();
    await settle();
    assert.deepEqual(log, ['start a1'], 'a2 must not start before a1 ends, even if it could finish');
    gate('a1').open();
    gate('a3').open();
    await dispatcher.idle();
    assert.deepEqual(log, ['start a1', 'end a1', 'start a2', 'end a2', 'start a3', 'end a3']);
  });

  test('when different senders send, then they run concurrently up to the bound', async () => {
    const { log, gate, dispatcher } = harness({ concurrency: 2 });
    dispatcher.push(message('alice', 'a'));
    dispatcher.push(message('bob', 'b'));
    dispatcher.push(message('carol', 'c'));
    await settle();
    assert.deepEqual(log, ['start a', 'start b']);
    assert.equal(dispatcher.running, 2);
    gate('b').open();
    await settle();
    assert.deepEqual(log, ['start a', 'start b', 'end b', 'start c']);
    gate('a').open();
    gate('c').open();
    await dispatcher.idle();
  });

  test('when one sender is stuck, then only that sender waits', async () => {
    const { log, gate, dispatcher } = harness({ concurrency: 4 });
    dispatcher.push(message('alice', 'stuck'));
    dispatcher.push(message('alice', 'after-stuck'));
    for (const text of ['b1', 'b2', 'b3']) {
      gate(text).open();
      dispatcher.push(message('bob', text));
    }
    await settle();
    assert.deepEqual(
      log.filter((line) => line.includes('b')),
      ['start b1', 'end b1', 'start b2', 'end b2', 'start b3', 'end b3'],
    );
    assert.equal(log.includes('start after-stuck'), false);
    assert.equal(dispatcher.queued, 1);
    gate('stuck').open();
    gate('after-stuck').open();
    await dispatcher.idle();
  });

  test('when a chatty sender and a quiet one share one slot, then they take turns', async () => {
    const { log, gate, dispatcher } = harness({ concurrency: 1 });
    for (const text of ['a1', 'a2', 'a3', 'b1']) gate(text).open();
    dispatcher.push(message('alice', 'a1'));
    dispatcher.push(message('alice', 'a2'));
    dispatcher.push(message('alice', 'a3'));
    dispatcher.push(message('bob', 'b1'));
    await dispatcher.idle();
    assert.deepEqual(
      log.filter((line) => line.startsWith('start')),
      ['start a1', 'start b1', 'start a2', 'start a3'],
    );
  });

  test('when a handler overruns its timeout, then its signal aborts and the sender moves on', async () => {
    const { clock, log, gate, signals, timeouts, dispatcher } = harness({ concurrency: 2, handlerTimeoutMs: 500 });
    gate('next').open();
    dispatcher.push(message('alice', 'hang'));
    dispatcher.push(message('alice', 'next'));
    await settle();
    await clock.advance(499);
    assert.equal(timeouts.length, 0);
    await clock.advance(1);
    assert.equal(timeouts.length, 1);
    assert.equal(timeouts[0]?.message.text, 'hang');
    assert.equal(timeouts[0]?.error.code, 'SUP_BOT_HANDLER_TIMEOUT');
    assert.equal(signals.get('hang')?.aborted, true);
    await dispatcher.idle();
    assert.deepEqual(log, ['start hang', 'start next', 'end next']);
    assert.equal(dispatcher.abandoned, 1);
    gate('hang').open();
    await settle();
    assert.equal(dispatcher.abandoned, 0);
  });

  test('when a handler finishes in time, then its timer is cleared and nothing times out later', async () => {
    const { clock, gate, timeouts, dispatcher } = harness({ concurrency: 1, handlerTimeoutMs: 100 });
    gate('quick').open();
    dispatcher.push(message('alice', 'quick'));
    await dispatcher.idle();
    assert.equal(clock.pending, 0);
    await clock.advance(1000);
    assert.equal(timeouts.length, 0);
  });

  test('when it stops accepting, then queued messages are dropped, running ones finish, and push refuses', async () => {
    const { log, gate, dispatcher } = harness({ concurrency: 1 });
    dispatcher.push(message('alice', 'running'));
    dispatcher.push(message('alice', 'queued-1'));
    dispatcher.push(message('bob', 'queued-2'));
    await settle();
    assert.deepEqual([...dispatcher.stopAccepting()], [['alice', 1], ['bob', 1]]);
    assert.equal(dispatcher.queuedBytes, 0);
    assert.equal(dispatcher.push(message('carol', 'late')), 'stopped');
    gate('running').open();
    await dispatcher.idle();
    assert.deepEqual(log, ['start running', 'end running']);
    assert.equal(dispatcher.queued, 0);
  });

  test('when running handlers are abandoned, then their signals abort with the reason and idle resolves', async () => {
    const { signals, dispatcher } = harness({ concurrency: 2 });
    dispatcher.push(message('alice', 'a'));
    dispatcher.push(message('bob', 'b'));
    await settle();
    const reason = new Error('shutdown');
    assert.equal(dispatcher.abandonRunning(reason), 2);
    await dispatcher.idle();
    assert.equal(signals.get('a')?.reason, reason);
    assert.equal(signals.get('b')?.aborted, true);
  });
});
