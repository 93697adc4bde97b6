import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DropNotices, DropReason, dropNotice, type DropReport } from '../../src/bot/drop-notices.js';
import { FakeClock } from '../helpers/fake-clock.js';

function makeNotices(intervalMs = 60_000) {
  const clock = new FakeClock();
  const reports: DropReport[] = [];
  const notices = new DropNotices({ intervalMs, clock, report: (report) => reports.push(report) });
  return { clock, reports, notices };
}

describe('DropNotices', () => {
  test('when a sender keeps being dropped, then they are told at once, then at most once per interval with the count since', async () => {
    const { clock, reports, notices } = makeNotices(1000);
    notices.dropped('alice', DropReason.SenderBacklog);
    assert.deepEqual(reports, [{ sender: 'alice', reason: 'sender-backlog', count: 1 }]);
    for (let i = 0; i < 5; i++) notices.dropped('alice', DropReason.SenderBacklog);
    assert.equal(reports.length, 1, 'drops within the interval wait');
    await clock.advance(1000);
    assert.deepEqual(reports.at(-1), { sender: 'alice', reason: 'sender-backlog', count: 5 });
    await clock.advance(5000);
    assert.equal(reports.length, 2, 'nothing more to tell: no further reports');
    assert.equal(clock.pending, 0, 'no timer left once everything was told and the interval passed');
  });

  test('when different senders are dropped, then each is told for themselves', async () => {
    const { reports, notices } = makeNotices();
    notices.dropped('alice', DropReason.Overloaded);
    notices.dropped('bob', DropReason.Overloaded, 3);
    assert.deepEqual(
      reports.map((r) => [r.sender, r.count]),
      [
        ['alice', 1],
        ['bob', 3],
      ],
    );
  });

  test('when flushed, then every drop not yet told is reported at once and the timer stops', async () => {
    const { clock, reports, notices } = makeNotices();
    notices.dropped('alice', DropReason.Overloaded);
    notices.dropped('alice', DropReason.Overloaded);
    notices.dropped('alice', DropReason.Shutdown, 4);
    notices.flush();
    assert.deepEqual(reports.at(-1), { sender: 'alice', reason: 'shutdown', count: 5 });
    assert.equal(clock.pending, 0);
  });

  test('when a notice is worded, then it says how many and what to do', () => {
    assert.match(dropNotice({ sender: 'a', reason: DropReason.SenderBacklog, count: 1 }), /1 message of yours was dropped.*wait for my replies/);
    assert.match(dropNotice({ sender: 'a', reason: DropReason.Overloaded, count: 7 }), /overloaded: 7 messages of yours were dropped.*send again/);
    assert.match(dropNotice({ sender: 'a', reason: DropReason.Shutdown, count: 2 }), /shutting down: 2 messages .*once I am back/);
  });
});
