import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RawPeer } from '../helpers/raw-peer.js';
import { loggedIn, recordingLogger, startServer } from './start-server.js';

const options = { timeout: 30_000 };
const OK = 'status 000 OK';

/** Logs in a recipient that does not read, and has `sender` send it `count` messages of `bytes`, each acknowledged. */
async function backlog(port: number, t: Parameters<typeof loggedIn>[1], count: number, bytes: number): Promise<RawPeer> {
  const bob = await loggedIn(port, t, 'bob');
  bob.socket.pause();
  const alice = await loggedIn(port, t, 'alice');
  const statuses = await alice.request(Array.from({ length: count }, (_, i) => `send bob ${String(i).padStart(6, '0')}${'x'.repeat(bytes - 6)}`));
  assert.deepEqual(new Set(statuses), new Set([OK]), 'every send is acknowledged');
  return bob;
}

/** The `recv` frames a peer gets until its connection closes, checked to be the messages sent, in order. */
async function receivedInOrder(bob: RawPeer): Promise<number> {
  bob.startReading();
  const { frames } = await bob.rest();
  frames.forEach((frame, i) => assert.ok(frame.startsWith(`recv alice ${String(i).padStart(6, '0')}`), `frame ${i} is message ${i}`));
  return frames.length;
}

describe('SupServer shutdown', options, () => {
  test('when shutdown() runs while a recipient is behind, then every acknowledged message reaches it before the close', async (t) => {
    const { logger, events } = recordingLogger();
    const { server, port } = await startServer(t, { logger });
    const bob = await backlog(port, t, 1000, 8 * 1024);
    const queued = server.stats.unsentOutputBytes;

    const summary = server.shutdown({ timeoutMs: 60_000 });
    assert.equal(server.shutdown(), summary, 'a second shutdown() returns the same promise');
    // New connections are refused at once, while the old ones drain.
    await assert.rejects(RawPeer.connect(port, t), { code: 'ECONNREFUSED' });
    assert.equal(await receivedInOrder(bob), 1000);
    const result = await summary;
    assert.equal(result.droppedMessages, 0);
    assert.equal(result.timedOut, false);
    assert.ok(result.flushedMessages > 0 && result.flushedMessages <= 1000, `flushed ${result.flushedMessages}`);
    assert.ok(result.flushedBytes >= queued, `flushed ${result.flushedBytes} of ${queued} queued bytes`);
    assert.deepEqual(server.stats, { connections: 0, online: 0, unsentOutputBytes: 0 });
    assert.deepEqual(
      events.filter((e) => e.event === 'shutdown'),
      [{ level: 'info', event: 'shutdown', fields: { ...result } }],
    );
  });

  test('when the deadline passes with a recipient that never reads, then every message it misses is counted as dropped', async (t) => {
    const { logger, events } = recordingLogger();
    const { server, port } = await startServer(t, { logger });
    const bob = await backlog(port, t, 1000, 8 * 1024);

    const result = await server.shutdown({ timeoutMs: 50 });
    assert.equal(result.timedOut, true);
    assert.ok(result.droppedMessages > 0, 'a recipient that never reads cannot have had 8 MB written out');
    // What the kernel already had still arrives; what it did not is exactly what was counted.
    const received = await receivedInOrder(bob);
    assert.equal(received + result.droppedMessages, 1000, `received ${received}, counted ${result.droppedMessages} dropped`);
    const [logged] = events.filter((e) => e.event === 'shutdown');
    assert.equal(logged?.level, 'warn');
    assert.equal(logged?.fields.droppedMessages, result.droppedMessages);
  });

  test('when peers are idle, then shutdown() ends them and resolves without waiting for the deadline', async (t) => {
    const { server, port } = await startServer(t);
    const alice = await loggedIn(port, t, 'alice');
    const anonymous = await RawPeer.connect(port, t);
    const result = await server.shutdown({ timeoutMs: 2 ** 31 - 1 });
    await Promise.all([alice.closed, anonymous.closed]);
    assert.deepEqual(result, { connections: 2, flushedMessages: 0, flushedBytes: 0, droppedMessages: 0, droppedBytes: 0, timedOut: false });
  });

  test('when close() follows shutdown(), then close() cuts the drain short and both resolve', async (t) => {
    const { server, port } = await startServer(t);
    const bob = await backlog(port, t, 1000, 8 * 1024);
    const summary = server.shutdown({ timeoutMs: 60_000 });
    await server.close();
    const result = await summary;
    assert.ok(result.droppedMessages > 0);
    bob.destroy();
  });
});
