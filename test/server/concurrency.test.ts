import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RawPeer } from '../helpers/raw-peer.js';
import { loggedIn, seededRandom, startServer } from './start-server.js';

const OK = 'status 000 OK';

const options = { timeout: 20_000 };

describe('SupServer ordering and concurrency', options, () => {
  test('when 1000 frames of every kind are pipelined in one go, then the statuses come back exactly in order (seeded)', async (t) => {
    const maxFrameBytes = 256;
    const { port } = await startServer(t, { maxFrameBytes });
    const peer = await loggedIn(port, t, 'peer');
    const pipe = await loggedIn(port, t, 'pipe');
    let sent = 0;
    // Each frame with the exact replies PROTOCOL.md requires of it on this connection.
    const catalog: Array<() => [string, string[]]> = [
      () => ['contact peer', ['status 001 Online']],
      () => ['contact ghost', ['status 103 Offline']],
      () => [`send peer m${sent++}`, [OK]],
      () => ['send ghost hi', ['status 104 Messaged User Not Online']],
      () => ['get contacts', [OK, 'contacts peer pipe']],
      () => ['login pipe2', ['status 106 Already Logged In']],
      () => ['quit peer', ['status 108 Username Mismatch']],
      () => ['hello there', ['status 100 Malformed Message']],
      () => ['', ['status 100 Malformed Message']],
      () => ['send peer', ['status 100 Malformed Message']],
      () => ['send pe\x80er x', ['status 100 Malformed Message']],
      () => ['q'.repeat(maxFrameBytes + 1), ['status 107 Message Too Long']],
    ];
    const random = seededRandom(1000);
    const frames: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 1000; i++) {
      const [frame, replies] = catalog[Math.floor(random() * catalog.length)]!();
      frames.push(frame);
      expected.push(...replies);
    }
    // One write, handed over in random slices, so frames also straddle TCP segments.
    const stream = Buffer.from(frames.map((f) => `${f}\x04`).join(''), 'latin1');
    for (let offset = 0; offset < stream.length; ) {
      const size = 1 + Math.floor(random() * 3000);
      pipe.write(stream.subarray(offset, offset + size));
      offset += size;
    }
    assert.deepEqual(await pipe.frames(expected.length), expected);
    assert.deepEqual(
      await peer.frames(sent),
      Array.from({ length: sent }, (_, i) => `recv pipe m${i}`),
    );
  });

  test('when two users each send many messages to a third, then the messages of each sender arrive in the order sent', async (t) => {
    const { port } = await startServer(t);
    const inbox = await loggedIn(port, t, 'inbox');
    const a = await loggedIn(port, t, 'a');
    const b = await loggedIn(port, t, 'b');
    const count = 2000;
    a.send(...Array.from({ length: count }, (_, i) => `send inbox ${i}`));
    b.send(...Array.from({ length: count }, (_, i) => `send inbox ${i}`));
    const received = await inbox.frames(count * 2);
    for (const from of ['a', 'b']) {
      const mine = received.filter((frame) => frame.startsWith(`recv ${from} `));
      assert.deepEqual(mine, Array.from({ length: count }, (_, i) => `recv ${from} ${i}`), `from ${from}`);
    }
    assert.deepEqual(await a.frames(count), Array.from({ length: count }, () => OK));
    assert.deepEqual(await b.frames(count), Array.from({ length: count }, () => OK));
  });

  test('when 200 clients message each other at once, then every message arrives exactly once, in order per sender', async (t) => {
    // All from 127.0.0.1: past the default per-address limit.
    const { port, server } = await startServer(t, { maxConnectionsPerIp: 0 });
    const clients = 200;
    const fanOut = 5;
    const perPair = 10;
    const names = Array.from({ length: clients }, (_, i) => `user${String(i).padStart(3, '0')}`);
    const peers = await Promise.all(names.map((name) => loggedIn(port, t, name)));
    assert.equal(server.stats.online, clients);

    for (const [i, peer] of peers.entries()) {
      const frames: string[] = [];
      for (let seq = 0; seq < perPair; seq++) {
        for (let k = 1; k <= fanOut; k++) frames.push(`send ${names[(i + k) % clients]} ${names[i]} #${seq}`);
      }
      peer.send(...frames);
    }

    await Promise.all(
      peers.map(async (peer, i) => {
        const frames = await peer.frames(2 * fanOut * perPair);
        assert.deepEqual(
          frames.filter((frame) => frame.startsWith('status ')),
          Array.from({ length: fanOut * perPair }, () => OK),
        );
        for (let k = 1; k <= fanOut; k++) {
          const from = names[(i - k + clients) % clients]!;
          assert.deepEqual(
            frames.filter((frame) => frame.startsWith(`recv ${from} `)),
            Array.from({ length: perPair }, (_, seq) => `recv ${from} ${from} #${seq}`),
            `${names[i]} from ${from}`,
          );
        }
        assert.deepEqual(peer.pending, []);
      }),
    );
  });

  test('when many clients log in with the same name at once, then exactly one gets 000 and the rest 101', async (t) => {
    const { port } = await startServer(t);
    const peers = await Promise.all(Array.from({ length: 50 }, () => RawPeer.connect(port, t)));
    const replies = await Promise.all(peers.map((peer) => peer.request('login same')));
    assert.equal(replies.filter(([r]) => r === OK).length, 1);
    assert.equal(replies.filter(([r]) => r === 'status 101 Username Taken').length, 49);
  });
});
