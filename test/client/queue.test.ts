import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SupQueueFullError, SupTimeoutError, type SupError } from '../../src/client/errors.js';
import { FakeServer } from './fake-server.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { advanceUntilSettled, closedPort, liveHandles, newClient, outcomes, startSupServer, stateReached, until } from './helpers.js';

test('when the offline queue is full, then new requests reject at once and queued ones keep waiting', { timeout: 5_000 }, async (t) => {
  const port = await closedPort();
  const client = newClient(t, { port, username: 'alice', offlineQueueLimit: 2 });
  const first = client.send('bob', 'one');
  const second = client.contacts();
  await assert.rejects(client.send('bob', 'three'), (error) => {
    assert.ok(error instanceof SupQueueFullError);
    assert.equal(error.code, 'SUP_QUEUE_FULL');
    assert.equal(error.limit, 2);
    assert.match(error.message, /offlineQueueLimit/);
    return true;
  });
  client.close();
  const results = await outcomes<unknown>([first, second]);
  assert.deepEqual(
    results.map((result) => !result.ok && (result.error as SupError).code),
    ['SUP_CLOSED', 'SUP_CLOSED'],
  );
});

test('when the server stays down past the queue timeout, then queued requests reject with it', { timeout: 5_000 }, async (t) => {
  const port = await closedPort();
  const clock = new FakeClock();
  const client = newClient(t, { port, username: 'alice', offlineQueueTimeoutMs: 30, clock });
  const connecting = client.connect();
  const sent = client.send('bob', 'hello?');
  await advanceUntilSettled(clock, sent);
  await assert.rejects(sent, (error) => {
    assert.ok(error instanceof SupTimeoutError);
    assert.equal(error.code, 'SUP_QUEUE_TIMEOUT');
    assert.equal(error.command, 'send');
    assert.match(error.message, /never sent/);
    return true;
  });
  assert.notEqual(client.state.type, 'closed', 'the client itself keeps trying');
  client.close();
  await assert.rejects(connecting, { code: 'SUP_CLOSED' });
});

test('when requests wait offline and the server comes up in time, then they are all sent in order', { timeout: 5_000 }, async (t) => {
  const fake = await FakeServer.start(t);
  const client = newClient(t, { port: fake.port, username: 'alice' });
  const sends = [client.send('bob', '1'), client.send('bob', '2'), client.send('bob', '3')];
  assert.equal(client.state.type, 'idle');
  const connected = client.connect();
  const peer = await fake.nextPeer();
  assert.equal(await peer.frame(), 'login alice');
  peer.send('status 000 OK');
  await connected;
  assert.deepEqual(await peer.frames(3), ['send bob 1', 'send bob 2', 'send bob 3']);
  peer.send('status 000 OK', 'status 000 OK', 'status 000 OK');
  await Promise.all(sends);
});

test('when an answer is late past requestTimeoutMs, then the request times out and the late status is not misread', { timeout: 5_000 }, async (t) => {
  const fake = await FakeServer.start(t);
  const clock = new FakeClock();
  const client = newClient(t, { port: fake.port, username: 'alice', requestTimeoutMs: 40, clock });
  const connected = client.connect();
  const peer = await fake.nextPeer();
  await peer.frame();
  peer.send('status 000 OK');
  await connected;

  const slow = client.contacts();
  assert.equal(await peer.frame(), 'get contacts');
  const timedOut = assert.rejects(slow, (error) => {
    assert.ok(error instanceof SupTimeoutError);
    assert.equal(error.code, 'SUP_REQUEST_TIMEOUT');
    assert.equal(error.command, 'get contacts');
    return true;
  });
  await clock.advance(40);
  await timedOut;
  const next = client.send('bob', 'after');
  assert.equal(await peer.frame(), 'send bob after');
  // The late answer (with its contacts list) belongs to the request that timed out.
  peer.send('status 000 OK', 'contacts alice bob', 'status 104 Messaged User Not Online');
  await assert.rejects(next, { code: 'SUP_STATUS', status: '104' });
  assert.equal(client.state.type, 'online');
});

test('when the window is full, then later requests wait their turn and go out as answers come back', { timeout: 5_000 }, async (t) => {
  const fake = await FakeServer.start(t);
  const client = newClient(t, { port: fake.port, username: 'alice', maxInFlight: 2 });
  const connected = client.connect();
  const peer = await fake.nextPeer();
  await peer.frame();
  peer.send('status 000 OK');
  await connected;

  const sends = [1, 2, 3, 4, 5].map((n) => client.send('bob', String(n)));
  assert.deepEqual(await peer.frames(2), ['send bob 1', 'send bob 2']);
  peer.send('status 000 OK');
  assert.equal(await peer.frame(), 'send bob 3');
  peer.send('status 000 OK', 'status 000 OK');
  assert.deepEqual(await peer.frames(2), ['send bob 4', 'send bob 5']);
  peer.send('status 000 OK', 'status 000 OK');
  await Promise.all(sends);
});

test('when close() is called mid-flight, then every pending promise rejects SUP_CLOSED and nothing is left running', { timeout: 5_000 }, async (t) => {
  const { server, port } = await startSupServer(t);
  const before = await liveHandles();
  const client = newClient(t, { port, username: 'alice', maxInFlight: 1, idleProbeMs: 1_000 });
  await client.connect();
  const pending = [client.send('alice', 'one'), client.send('alice', 'two'), client.contacts(), client.isOnline('x')];
  const iterator = client.messages();
  const nextMessage = iterator.next();
  client.close();
  const results = await outcomes<unknown>(pending);
  assert.deepEqual(
    results.map((result) => !result.ok && (result.error as SupError).code),
    ['SUP_CLOSED', 'SUP_CLOSED', 'SUP_CLOSED', 'SUP_CLOSED'],
  );
  assert.equal((await nextMessage).done, true);
  assert.equal(client.state.type, 'closed');
  await assert.rejects(client.send('alice', 'after'), { code: 'SUP_CLOSED' });
  await assert.rejects(client.connect(), { code: 'SUP_CLOSED' });
  await stateReached(client, (state) => state.type === 'closed');
  await until(() => server.stats.connections === 0);
  assert.deepEqual(await liveHandles(), before);
});

test('when close() is called while waiting to retry, then connect() rejects and no timer is left', { timeout: 5_000 }, async (t) => {
  const port = await closedPort();
  const before = await liveHandles();
  const client = newClient(t, { port, username: 'alice', reconnect: { initialDelayMs: 1_000, maxDelayMs: 1_000 } });
  const connecting = client.connect();
  await stateReached(client, (state) => state.type === 'backoff');
  client.close();
  await assert.rejects(connecting, { code: 'SUP_CLOSED' });
  assert.deepEqual(await liveHandles(), before);
});
