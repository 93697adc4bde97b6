import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LocalPresence } from '../../src/server/presence.js';
import { loggedIn, recordingLogger, startServer } from './start-server.js';

const OK = 'status 000 OK';
const NOT_ONLINE = 'status 104 Messaged User Not Online';

const options = { timeout: 30_000 };

describe('SupServer under overload', options, () => {
  test('when all unsent output passes maxBufferedBytes, then the connection holding the most is closed as a slow consumer, and logged', async (t) => {
    const maxBufferedBytes = 512 * 1024;
    const { logger, events } = recordingLogger();
    const { server, port } = await startServer(t, { maxBufferedBytes, logger });
    // Two recipients that never read: `big` gets most of the traffic, `small` a little.
    const big = await loggedIn(port, t, 'big');
    const small = await loggedIn(port, t, 'small');
    big.socket.pause();
    small.socket.pause();
    const sender = await loggedIn(port, t, 'sender');
    const message = 'm'.repeat(8 * 1024);
    let peak = 0;
    let statuses: string[] = [];
    // Kernel buffers absorb a few megabytes first; 64 MiB without a cut means no ceiling at all.
    for (let sent = 0; sent < 64 * 1024 * 1024 && !statuses.includes(NOT_ONLINE); sent += 33 * message.length) {
      statuses = await sender.request([...Array.from({ length: 32 }, () => `send big ${message}`), `send small ${message}`]);
      peak = Math.max(peak, server.stats.unsentOutputBytes);
    }
    assert.ok(statuses.includes(NOT_ONLINE), 'nobody was cut off');
    // The budget is checked as output is handed to sockets: it can be passed by at most one write.
    assert.ok(peak <= maxBufferedBytes + 64 * 1024 + message.length, `unsent output peaked at ${peak}`);
    const cut = events.filter((e) => e.event === 'slow-consumer-closed');
    assert.equal(cut.length, 1);
    assert.equal(cut[0]!.level, 'warn');
    assert.equal(cut[0]!.fields.reason, 'max-buffered-bytes');
    assert.equal(cut[0]!.fields.user, 'big');
    assert.ok((cut[0]!.fields.droppedMessages as number) > 0);
    // What the kernel already had still arrives; then the connection ends.
    big.startReading();
    await big.closed;
    assert.equal(small.isClosed, false);
    assert.deepEqual(await sender.request(['send big again', `send small ${message}`]), [NOT_ONLINE, OK]);
  });

  test('when a receiver passes maxOutputBytes, then its close is logged with what it drops', async (t) => {
    const { logger, events } = recordingLogger();
    const { port } = await startServer(t, { maxOutputBytes: 64 * 1024, logger });
    const slow = await loggedIn(port, t, 'slow');
    slow.socket.pause();
    const sender = await loggedIn(port, t, 'fast');
    const message = 'm'.repeat(8 * 1024);
    let statuses: string[] = [];
    for (let sent = 0; sent < 64 * 1024 * 1024 && !statuses.includes(NOT_ONLINE); sent += 64 * message.length) {
      statuses = await sender.request(Array.from({ length: 64 }, () => `send slow ${message}`));
    }
    assert.deepEqual(
      events.filter((e) => e.event !== 'listening').map((e) => [e.level, e.event, e.fields.reason, e.fields.user]),
      [['warn', 'slow-consumer-closed', 'max-output-bytes', 'slow']],
    );
    assert.ok((events.find((e) => e.event === 'slow-consumer-closed')!.fields.droppedMessages as number) > 0);
  });

  test("when one client pipelines get contacts, then another client's request is answered before that flood is", async (t) => {
    // Every get contacts seen and every contact lookup, in the order the server made them.
    const order: string[] = [];
    const presence = new (class extends LocalPresence<unknown> {
      override sortedNames(): readonly string[] {
        order.push('contacts');
        return super.sortedNames();
      }
      override lookup(name: string): unknown {
        if (name === 'marker') order.push('marker');
        return super.lookup(name);
      }
    })();
    // 40 long names: each reply is about 1.3 KB for a 13-byte request.
    for (let i = 0; i < 40; i++) presence.claim(`filler${String(i).padStart(26, '0')}`, {});
    // A high-water mark this large never pauses the flood for a full socket: only fair sharing can.
    const { port } = await startServer(t, { presence, outputHighWaterMark: 64 * 1024 * 1024 });
    const flooder = await loggedIn(port, t, 'flooder');
    const other = await loggedIn(port, t, 'other');
    const requests = 1000;
    flooder.send(...Array.from({ length: requests }, () => 'get contacts'));
    assert.deepEqual(await other.request('contact marker'), ['status 103 Offline']);
    await flooder.frames(requests * 2);
    const before = order.indexOf('marker');
    assert.ok(before < requests, `the other client waited for ${before} of ${requests} contact lists`);
  });

  test('when answering a frame throws, then the client gets 200, the error is logged with the command and never the message', async (t) => {
    const { logger, events } = recordingLogger();
    const presence = new (class extends LocalPresence<unknown> {
      override lookup(name: string): unknown {
        if (name === 'broken') throw new Error('registry unavailable');
        return super.lookup(name);
      }
    })();
    const { port } = await startServer(t, { presence, logger });
    const alice = await loggedIn(port, t, 'alice');
    assert.deepEqual(await alice.request(['send broken top-secret words', 'contact broken', 'contact alice']), [
      'status 200 Internal Error',
      'status 200 Internal Error',
      'status 001 Online',
    ]);
    assert.deepEqual(
      events.filter((e) => e.event !== 'listening').map((e) => [e.level, e.event, e.fields.command, e.fields.user, e.fields.error]),
      [
        ['error', 'frame-failed', 'send', 'alice', 'Error: registry unavailable'],
        ['error', 'frame-failed', 'contact', 'alice', 'Error: registry unavailable'],
      ],
    );
    assert.doesNotMatch(JSON.stringify(events), /top-secret/);
  });
});
