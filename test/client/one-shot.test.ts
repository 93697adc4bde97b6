import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SupConnectionError, SupStatusError, SupTimeoutError, type SupError } from '../../src/client/errors.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { FakeServer } from './fake-server.js';
import { closedPort, liveHandles, newClient, outcomes, startSupServer } from './helpers.js';

// The CLI's way of using the client: reconnect off, every failure final and prompt.

test('when nothing listens, then connect() rejects with ECONNREFUSED kept and advice in the message', { timeout: 5_000 }, async (t) => {
  const port = await closedPort();
  const before = await liveHandles();
  const client = newClient(t, { port, username: 'alice', reconnect: false });
  await assert.rejects(client.connect(), (error) => {
    assert.ok(error instanceof SupConnectionError);
    assert.equal(error.code, 'SUP_CONNECT_FAILED');
    assert.equal(error.systemCode, 'ECONNREFUSED');
    assert.equal((error.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
    assert.equal(error.host, '127.0.0.1');
    assert.equal(error.port, port);
    assert.equal(error.message, `cannot connect to 127.0.0.1:${port} (connection refused): is a server running? try 'sup server'`);
    return true;
  });
  assert.equal(client.state.type, 'closed');
  assert.deepEqual(await liveHandles(), before);
});

test('when the name is taken, then connect() rejects with status 101 from login', { timeout: 5_000 }, async (t) => {
  const { port } = await startSupServer(t);
  const holder = newClient(t, { port, username: 'alice', reconnect: false });
  await holder.connect();
  const client = newClient(t, { port, username: 'alice', reconnect: false });
  await assert.rejects(client.connect(), (error) => {
    assert.ok(error instanceof SupStatusError);
    assert.equal(error.status, '101');
    assert.equal(error.command, 'login');
    assert.match(error.message, /"alice" is taken/);
    return true;
  });
  assert.equal(client.state.type, 'closed');
});

test('when the server is full, then connect() rejects with status 201 at once', { timeout: 5_000 }, async (t) => {
  const { port } = await startSupServer(t, { maxConnections: 1 });
  const holder = newClient(t, { port, username: 'holder', reconnect: false });
  await holder.connect();
  const client = newClient(t, { port, username: 'late', reconnect: false });
  await assert.rejects(client.connect(), { code: 'SUP_STATUS', status: '201', command: 'login' });
});

test('when the login is never answered, then connect() rejects with a connect timeout', { timeout: 5_000 }, async (t) => {
  const fake = await FakeServer.start(t);
  const clock = new FakeClock();
  const client = newClient(t, { port: fake.port, username: 'alice', reconnect: false, connectTimeoutMs: 40, clock });
  const connecting = client.connect();
  const peer = await fake.nextPeer();
  assert.equal(await peer.frame(), 'login alice');
  const timedOut = assert.rejects(connecting, (error) => {
    assert.ok(error instanceof SupTimeoutError);
    assert.equal(error.code, 'SUP_CONNECT_TIMEOUT');
    assert.equal(error.timeoutMs, 40);
    return true;
  });
  await clock.advance(40);
  await timedOut;
  await peer.closed;
});

test('when the connection drops mid-request, then sends in flight are delivery-unknown and the rest fail as lost', { timeout: 5_000 }, async (t) => {
  const fake = await FakeServer.start(t);
  const client = newClient(t, { port: fake.port, username: 'alice', reconnect: false, maxInFlight: 2 });
  const connecting = client.connect();
  const peer = await fake.nextPeer();
  await peer.frame();
  peer.send('status 000 OK');
  await connecting;
  const pending = [client.send('bob', 'one'), client.isOnline('bob'), client.send('bob', 'queued')];
  assert.deepEqual(await peer.frames(2), ['send bob one', 'contact bob']);
  peer.destroy();
  const results = await outcomes<unknown>(pending);
  assert.deepEqual(
    results.map((result) => !result.ok && (result.error as SupError).code),
    ['SUP_DELIVERY_UNKNOWN', 'SUP_CONNECTION_LOST', 'SUP_CONNECTION_LOST'],
  );
  assert.equal(client.state.type, 'closed');
});

test('when a recv arrives before the login status, then it is a message and the login still succeeds', { timeout: 5_000 }, async (t) => {
  const fake = await FakeServer.start(t);
  const client = newClient(t, { port: fake.port, username: 'alice', reconnect: false });
  const texts: string[] = [];
  client.on('message', (message) => texts.push(message.text));
  const connecting = client.connect();
  const peer = await fake.nextPeer();
  await peer.frame();
  peer.send('recv bob early', 'status 000 OK');
  await connecting;
  const sent = client.send('bob', 'x');
  await peer.frame();
  peer.send('recv bob between', 'status 000 OK');
  await sent;
  assert.deepEqual(texts, ['early', 'between']);
});

test('when the server sends a frame it may not send, then the connection is dropped as a protocol violation', { timeout: 5_000 }, async (t) => {
  const fake = await FakeServer.start(t);
  const client = newClient(t, { port: fake.port, username: 'alice', reconnect: false });
  const connecting = client.connect();
  const peer = await fake.nextPeer();
  await peer.frame();
  peer.send('status 000 OK');
  await connecting;
  const sent = client.send('bob', 'x');
  await peer.frame();
  peer.send('hello there');
  await assert.rejects(sent, (error: SupError) => {
    assert.equal(error.code, 'SUP_DELIVERY_UNKNOWN');
    assert.equal((error.cause as SupError).code, 'SUP_PROTOCOL_VIOLATION');
    return true;
  });
  await peer.closed;
});
