import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RawPeer } from '../helpers/raw-peer.js';
import { loggedIn, startServer } from './start-server.js';

const OK = 'status 000 OK';
const ONLINE = 'status 001 Online';
const OFFLINE = 'status 103 Offline';
const NOT_ONLINE = 'status 104 Messaged User Not Online';

const options = { timeout: 20_000 };

/** Asks `asker` about `name` until it is offline: the server sees a close on its own schedule. */
async function untilOffline(asker: RawPeer, name: string): Promise<void> {
  for (let attempt = 0; attempt < 500; attempt++) {
    if ((await asker.request(`contact ${name}`))[0] === OFFLINE) return;
  }
  assert.fail(`${name} never went offline`);
}

describe('SupServer routing fast path', options, () => {
  test('when the user a sender last wrote to quits and the name is taken again, then the next send reaches the new holder', async (t) => {
    const { port } = await startServer(t);
    const alice = await loggedIn(port, t, 'alice');
    const first = await loggedIn(port, t, 'bob');
    assert.deepEqual(await alice.request('send bob one'), [OK]);
    assert.deepEqual(await first.frames(1), ['recv alice one']);
    assert.deepEqual(await first.request('quit bob'), [OK]);
    assert.deepEqual(await alice.request('send bob two'), [NOT_ONLINE]);
    const second = await loggedIn(port, t, 'bob');
    assert.deepEqual(await alice.request('send bob three'), [OK]);
    assert.deepEqual(await second.frames(1), ['recv alice three']);
    assert.deepEqual(await first.rest(), { frames: [], trailing: '' });
    assert.deepEqual(second.pending, []);
  });

  test('when the user a sender last wrote to hangs up or is cut off, then the next send to it is 104', async (t) => {
    const { port } = await startServer(t);
    const alice = await loggedIn(port, t, 'alice');
    const bob = await loggedIn(port, t, 'bob');
    const carol = await loggedIn(port, t, 'carol');
    assert.deepEqual(await alice.request(['send bob hi', 'send carol hi']), [OK, OK]);

    bob.socket.end();
    await untilOffline(alice, 'bob');
    assert.deepEqual(await alice.request(['send carol again', 'send bob again']), [OK, NOT_ONLINE]);

    assert.deepEqual(await alice.request('send carol once more'), [OK]);
    carol.destroy();
    await untilOffline(alice, 'carol');
    assert.deepEqual(await alice.request('send carol gone'), [NOT_ONLINE]);
  });

  test('when one write alternates recipients, names that differ late and users offline, then each gets exactly its own messages in order', async (t) => {
    const { port } = await startServer(t);
    const sender = await loggedIn(port, t, 'sender');
    const names = ['bob', 'bo', 'bob2', 'Bob'];
    const peers = await Promise.all(names.map((name) => loggedIn(port, t, name)));
    const frames: string[] = [];
    const statuses: string[] = [];
    const expected = new Map<string, string[]>(names.map((name) => [name, []]));
    for (let i = 0; i < 400; i++) {
      const to = i % 7 === 6 ? 'bobby' : names[(i * 3 + (i >> 2)) % names.length]!;
      frames.push(`send ${to} m${i} to ${to}`);
      statuses.push(to === 'bobby' ? NOT_ONLINE : OK);
      expected.get(to)?.push(`recv sender m${i} to ${to}`);
    }
    assert.deepEqual(await sender.request(frames), statuses);
    for (const [i, name] of names.entries()) {
      const mine = expected.get(name)!;
      assert.deepEqual(await peers[i]!.frames(mine.length), mine, name);
      assert.deepEqual(peers[i]!.pending, [], name);
    }
  });

  // Through the spread cluster's proxy, recv and ack take different hops, so read order is not pinned there.
  const clustered = process.env.SUP_TEST_CLUSTER ? 'recv and ack cross different proxy hops on a spread cluster' : false;
  test('when a send is acknowledged, then its recv frame was already handed to the recipient socket', { skip: clustered }, async (t) => {
    const { port } = await startServer(t);
    const sender = await loggedIn(port, t, 'sender');
    const receiver = await loggedIn(port, t, 'receiver');
    // The server writes the recv before the ack; on loopback the kernel has queued a write on
    // the peer socket before write() returns, so the receiver reads it no later than the ack.
    for (let i = 0; i < 200; i++) {
      assert.deepEqual(await sender.request(i % 2 === 0 ? `send receiver ${i}` : ['contact receiver', `send receiver ${i}`]), i % 2 === 0 ? [OK] : [ONLINE, OK]);
      assert.deepEqual(receiver.pending, [`recv sender ${i}`], `message ${i}`);
      await receiver.frames(1);
    }
  });

  test('when one write carries more for a user than the output high-water mark, then every message arrives once, in order', async (t) => {
    const { port } = await startServer(t, { outputHighWaterMark: 1024 });
    const sender = await loggedIn(port, t, 'sender');
    const receiver = await loggedIn(port, t, 'receiver');
    const count = 3000;
    const body = 'x'.repeat(90);
    sender.send(...Array.from({ length: count }, (_, i) => `send receiver ${i} ${body}`));
    const received = await receiver.frames(count);
    assert.deepEqual(received, Array.from({ length: count }, (_, i) => `recv sender ${i} ${body}`));
    assert.deepEqual(await sender.frames(count), Array.from({ length: count }, () => OK));
  });

  test('when a user floods itself without reading, then it is closed as a slow consumer and everyone else carries on', async (t) => {
    const { port, server } = await startServer(t, { maxOutputBytes: 4096 });
    const watcher = await loggedIn(port, t, 'watcher');
    const flooder = await loggedIn(port, t, 'flooder');
    flooder.socket.pause();
    // All in one write: the server cuts the connection partway through a batch it is still reading.
    flooder.send(...Array.from({ length: 200 }, (_, i) => `send flooder ${i} ${'y'.repeat(200)}`));
    await untilOffline(watcher, 'flooder');
    flooder.socket.resume();
    await flooder.closed;
    assert.deepEqual(await watcher.request(['send flooder late', 'contact watcher', 'get contacts'], 4), [
      NOT_ONLINE,
      ONLINE,
      OK,
      'contacts watcher',
    ]);
    assert.equal(server.stats.online, 1);
  });

  test('when many clients leave a frame unfinished between reads, then each frame is completed with its own bytes', async (t) => {
    const { port } = await startServer(t);
    const sink = await loggedIn(port, t, 'sink');
    const pinger = await loggedIn(port, t, 'pinger');
    const names = Array.from({ length: 30 }, (_, i) => `part${i}`);
    const senders = await Promise.all(names.map((name) => loggedIn(port, t, name)));
    // Each frame goes in three writes, with a round trip of another client between them,
    // so the server reads most halves on their own and must keep each connection's apart.
    for (const [i, sender] of senders.entries()) sender.write(`send sink ${names[i]}:`);
    assert.deepEqual(await pinger.request('contact sink'), [ONLINE]);
    for (const [i, sender] of senders.entries()) sender.write(`middle-${i}`);
    assert.deepEqual(await pinger.request('contact sink'), [ONLINE]);
    for (const [i, sender] of senders.entries()) sender.write(`:end-${i}\x04`);
    for (const sender of senders) assert.deepEqual(await sender.frames(1), [OK]);
    const received = await sink.frames(names.length);
    assert.deepEqual(
      [...received].sort(),
      names.map((name, i) => `recv ${name} ${name}:middle-${i}:end-${i}`).sort(),
    );
  });
});
