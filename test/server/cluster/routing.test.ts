import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loginWhenPossible, startNode, type ClusterNode } from '../../helpers/cluster.js';
import { NatsServer } from '../../helpers/nats-server.js';
import { RawPeer } from '../../helpers/raw-peer.js';
import { loggedIn } from '../../helpers/server.js';

const OK = 'status 000 OK';
const TAKEN = 'status 101 Username Taken';
const NOT_ONLINE = 'status 104 Messaged User Not Online';

describe('a cluster of two nodes on one NATS', { timeout: 60_000 }, () => {
  let nats: NatsServer;
  let a: ClusterNode;
  let b: ClusterNode;
  const hooks: Array<() => unknown> = [];
  before(async () => {
    const cleanup = { after: (fn: () => unknown) => hooks.push(fn) };
    nats = await NatsServer.start(cleanup);
    a = await startNode(cleanup, nats.url);
    b = await startNode(cleanup, nats.url);
  });
  // Nodes leave before the broker stops.
  after(async () => {
    for (const hook of hooks.reverse()) await hook();
  });

  test('when two nodes race for 200 names, then each name has exactly one winner', async (t) => {
    const names = Array.from({ length: 200 }, (_, i) => `race.${i}`);
    const peers = await Promise.all(names.flatMap((name) => [RawPeer.connect(a.port, t), RawPeer.connect(b.port, t)].map(async (p) => ({ name, peer: await p }))));
    const answers = await Promise.all(peers.map(async ({ name, peer }) => ({ name, answer: (await peer.request(`login ${name}`))[0] })));
    for (const name of names) {
      const mine = answers.filter((entry) => entry.name === name).map((entry) => entry.answer).sort();
      assert.deepEqual(mine, [OK, TAKEN], name);
    }
    for (const { peer } of peers) peer.destroy();
  });

  test('when users are on different nodes, then sends, contacts and contact answer for the whole cluster', async (t) => {
    const alice = await loggedIn(a.port, t, 'alice');
    const bob = await loggedIn(b.port, t, 'b.o.b');
    assert.deepEqual(await alice.request('send b.o.b  hi there\t'), [OK]);
    assert.deepEqual(await bob.frames(1), ['recv alice  hi there\t']);
    assert.deepEqual(await bob.request('get contacts', 2), [OK, 'contacts alice b.o.b']);
    assert.deepEqual(await alice.request(['contact b.o.b', 'contact nobody', 'contact bad!name', 'send nobody x']), [
      'status 001 Online',
      'status 103 Offline',
      'status 103 Offline',
      NOT_ONLINE,
    ]);
    assert.deepEqual(await bob.request('login alice'), ['status 106 Already Logged In']);
    const second = await RawPeer.connect(b.port, t);
    assert.deepEqual(await second.request(['login alice', 'send alice x']), [TAKEN, 'status 105 Not Logged In']);
  });

  test("when sends cross nodes and a login is refused by the cluster, then the sender's node counts them as it counts local ones", async (t) => {
    const before = a.server.counters;
    const dora = await loggedIn(a.port, t, 'dora');
    await loggedIn(b.port, t, 'eve');
    assert.deepEqual(await dora.request(['send eve one', 'send eve two', 'send nobody.here x', 'send bad!name x']), [OK, OK, NOT_ONLINE, NOT_ONLINE]);
    const second = await RawPeer.connect(a.port, t);
    assert.deepEqual(await second.request('login eve'), [TAKEN]);
    const after = a.server.counters;
    assert.equal(after.messagesDelivered - before.messagesDelivered, 2);
    assert.equal(after.sendsOffline - before.sendsOffline, 2);
    assert.equal((after.loginsRefused['101'] ?? 0) - (before.loginsRefused['101'] ?? 0), 1);
  });

  test('when a user quits on one node, then the name is free on the other at once', async (t) => {
    const carol = await loggedIn(a.port, t, 'carol');
    assert.deepEqual(await carol.request('quit carol'), [OK]);
    await carol.closed;
    await loggedIn(b.port, t, 'carol');
  });

  test('when a client half-closes, then by the time its node has closed its side the name is free on every node', async (t) => {
    const observer = await loggedIn(b.port, t, 'observer');
    for (let i = 0; i < 20; i++) {
      const erin = await loggedIn(a.port, t, 'erin');
      erin.socket.end();
      assert.deepEqual(await erin.rest(), { frames: [], trailing: '' });
      assert.deepEqual(await observer.request('contact erin'), ['status 103 Offline'], `round ${i}`);
      const again = await RawPeer.connect(b.port, t);
      assert.deepEqual(await again.request(['login erin', 'quit erin']), [OK, OK], `round ${i}`);
      await again.closed;
    }
  });

  test('when a connection closes, then its name is freed cluster-wide', async (t) => {
    const dave = await loggedIn(a.port, t, 'dave');
    dave.destroy();
    await loginWhenPossible(b.port, t, 'dave');
  });

  test('when 10,000 sends cross nodes in one pipeline, mixed with local and missing recipients, then statuses come back in frame order and messages in send order', async (t) => {
    const sender = await loggedIn(a.port, t, 'pipe-sender');
    const remote = await loggedIn(b.port, t, 'pipe-remote');
    const local = await loggedIn(a.port, t, 'pipe-local');
    const frames: string[] = [];
    const expected: string[] = [];
    for (let i = 0; i < 10_000; i++) {
      frames.push(`send pipe-remote ${i}`);
      expected.push(OK);
      if (i % 100 === 0) {
        frames.push(`send pipe-local ${i}`, `send pipe-nobody ${i}`, 'contact pipe-remote');
        expected.push(OK, NOT_ONLINE, 'status 001 Online');
      }
    }
    const statuses = sender.request(frames, expected.length);
    const received = remote.frames(10_000);
    assert.deepEqual(await statuses, expected);
    assert.deepEqual(await received, Array.from({ length: 10_000 }, (_, i) => `recv pipe-sender ${i}`));
    assert.deepEqual(await local.frames(100), Array.from({ length: 100 }, (_, i) => `recv pipe-sender ${i * 100}`));
  });
});
