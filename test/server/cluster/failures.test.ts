import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { readyPort, spawnSup, type Proc } from '../../cli/harness.js';
import { loginWhenPossible, startNode } from '../../helpers/cluster.js';
import { NatsServer } from '../../helpers/nats-server.js';
import { RawPeer, type Cleanup } from '../../helpers/raw-peer.js';
import { loggedIn } from '../../helpers/server.js';
import { RecordingLogger } from '../../bot/helpers/recording-logger.js';

const OK = 'status 000 OK';

interface NodeProcess {
  run: Proc;
  port: number;
}

/** A `sup server` process that is a node of cluster `name` on `nats`. */
async function nodeProcess(t: Cleanup, nats: NatsServer, name: string): Promise<NodeProcess> {
  const run = spawnSup(['server', '--port', '0', '--cluster', nats.url, '--cluster-name', name], t);
  return { run, port: await readyPort(run) };
}

/** A broker and two node processes, alice logged in on the first and bob on the second. */
async function aliceAndBobApart(t: Cleanup, name: string): Promise<{ one: NodeProcess; two: NodeProcess; alice: RawPeer; bob: RawPeer }> {
  const nats = await NatsServer.start(t);
  const one = await nodeProcess(t, nats, name);
  const two = await nodeProcess(t, nats, name);
  return { one, two, alice: await loggedIn(one.port, t, 'alice'), bob: await loggedIn(two.port, t, 'bob') };
}

describe('cluster failures', { timeout: 60_000 }, () => {
  test('when a node is killed with SIGKILL, then sends to its users answer 104 and its names come free on the other node', async (t) => {
    const { one, two, alice, bob } = await aliceAndBobApart(t, 'killed');
    assert.deepEqual(await alice.request('send bob before'), [OK]);
    assert.deepEqual(await bob.frames(1), ['recv alice before']);

    two.run.child.kill('SIGKILL');
    await two.run.exited;
    await bob.closed;
    assert.deepEqual(await alice.request('send bob after'), ['status 104 Messaged User Not Online']);
    const bobAgain = await loginWhenPossible(one.port, t, 'bob');
    assert.deepEqual(await alice.request('send bob again'), [OK]);
    assert.deepEqual(await bobAgain.frames(1), ['recv alice again']);
  });

  test('when a node is frozen with SIGSTOP, then its lease lapses, its names come free, and once woken it drops its connections', async (t) => {
    const { one, two, alice, bob: staleBob } = await aliceAndBobApart(t, 'frozen');

    two.run.child.kill('SIGSTOP');
    t.after(() => two.run.child.kill('SIGCONT'));
    const bob = await loginWhenPossible(one.port, t, 'bob');
    assert.deepEqual(await alice.request('send bob to the new bob'), [OK]);
    assert.deepEqual(await bob.frames(1), ['recv alice to the new bob']);

    two.run.child.kill('SIGCONT');
    await staleBob.closed;
    assert.deepEqual(staleBob.pending, [], 'the frozen node delivered nothing to the stale connection');
    assert.match(two.run.stderr(), /cluster-fenced/);
    // It serves again as a new incarnation.
    const carol = await loginWhenPossible(two.port, t, 'carol');
    assert.deepEqual(await carol.request('send bob from the woken node'), [OK]);
    assert.deepEqual(await bob.frames(1), ['recv carol from the woken node']);
  });

  test('when the broker goes down, then nodes fail closed, and serve again once it is back', async (t) => {
    const nats = await NatsServer.start(t);
    const log = new RecordingLogger();
    const a = await startNode(t, nats.url, { logger: log });
    const b = await startNode(t, nats.url);
    const alice = await loggedIn(a.port, t, 'alice');
    const bob = await loggedIn(b.port, t, 'bob');

    await nats.stop();
    await alice.closed;
    await bob.closed;
    const refused = await RawPeer.connect(a.port, t);
    assert.deepEqual(await refused.request('login alice'), ['status 200 Internal Error']);
    assert.notEqual(log.events('cluster-broker-lost').length, 0, JSON.stringify(log.entries));

    await nats.restart();
    const aliceAgain = await loginWhenPossible(a.port, t, 'alice');
    const bobAgain = await loginWhenPossible(b.port, t, 'bob');
    assert.deepEqual(await aliceAgain.request('send bob back'), [OK]);
    assert.deepEqual(await bobAgain.frames(1), ['recv alice back']);
    assert.notEqual(log.events('cluster-broker-back').length, 0, JSON.stringify(log.entries));
    assert.notEqual(log.events('login-refused').length, 0, JSON.stringify(log.entries));
  });
});
