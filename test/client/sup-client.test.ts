import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SupInvalidArgumentError, SupStatusError } from '../../src/client/errors.js';
import type { SupMessage } from '../../src/client/sup-client.js';
import { FakeServer } from './fake-server.js';
import { liveHandles, newClient, startSupServer, until } from './helpers.js';
import { oneByteAtATime, randomSplits, splittingTransport } from './transports.js';

test('when connected, then send, contacts and isOnline get their answers from the server', { timeout: 5_000 }, async (t) => {
  const { port } = await startSupServer(t);
  const alice = newClient(t, { port, username: 'alice' });
  const bob = newClient(t, { port, username: 'bob' });
  await Promise.all([alice.connect(), bob.connect()]);
  assert.equal(alice.state.type, 'online');
  assert.equal(alice.username, 'alice');

  const received = new Promise<SupMessage>((resolve) => bob.once('message', resolve));
  await alice.send('bob', '  hi there\tbob  ');
  const message = await received;
  assert.equal(message.from, 'alice');
  assert.equal(message.text, '  hi there\tbob  ');
  assert.ok(message.receivedAt instanceof Date);

  assert.deepEqual(await alice.contacts(), ['alice', 'bob']);
  assert.equal(await alice.isOnline('bob'), true);
  assert.equal(await alice.isOnline('carol'), false);
});

test('when the recipient is offline, then send rejects with status 104 and the command', { timeout: 5_000 }, async (t) => {
  const { port } = await startSupServer(t);
  const alice = newClient(t, { port, username: 'alice' });
  await alice.connect();
  await assert.rejects(alice.send('nobody', 'hello'), (error) => {
    assert.ok(error instanceof SupStatusError);
    assert.equal(error.code, 'SUP_STATUS');
    assert.equal(error.status, '104');
    assert.equal(error.statusText, 'Messaged User Not Online');
    assert.equal(error.command, 'send');
    assert.match(error.message, /"nobody" is not online/);
    return true;
  });
  // The client is still in step with the server afterwards.
  assert.deepEqual(await alice.contacts(), ['alice']);
});

test('when a message or name cannot travel, then it is refused before reaching the wire', { timeout: 5_000 }, async (t) => {
  const fake = await FakeServer.start(t);
  const client = newClient(t, { port: fake.port, username: 'alice', maxFrameBytes: 64 });
  const connected = client.connect();
  const peer = await fake.nextPeer();
  assert.equal(await peer.frame(), 'login alice');
  peer.send('status 000 OK');
  await connected;

  const invalid = (argument: string) => (error: unknown) =>
    error instanceof SupInvalidArgumentError && error.code === 'SUP_INVALID_ARGUMENT' && error.argument === argument;
  await assert.rejects(client.send('bob', 'end\x04of frame'), invalid('text'));
  await assert.rejects(client.send('bob', 'caf\u00e9'), invalid('text'));
  await assert.rejects(client.send('bob', ''), invalid('text'));
  await assert.rejects(client.send('bob', 'x'.repeat(64)), /too long/);
  await assert.rejects(client.send('bad name', 'hi'), invalid('to'));
  await assert.rejects(client.isOnline('no!'), invalid('user'));

  const sent = client.send('bob', 'fine');
  assert.equal(await peer.frame(), 'send bob fine', 'nothing refused was written before it');
  peer.send('status 000 OK');
  await sent;
});

test('when 10,000 sends are pipelined, then all settle in call order and arrive in order', { timeout: 20_000 }, async (t) => {
  const { port } = await startSupServer(t);
  const sender = newClient(t, { port, username: 'sender' });
  const receiver = newClient(t, { port, username: 'receiver' });
  await Promise.all([sender.connect(), receiver.connect()]);
  const count = 10_000;
  const texts: string[] = [];
  const allReceived = new Promise<void>((resolve) => {
    receiver.on('message', (message) => {
      texts.push(message.text);
      if (texts.length === count) resolve();
    });
  });

  const settledOrder: number[] = [];
  const sends: Array<Promise<void>> = [];
  for (let i = 0; i < count; i++) sends.push(sender.send('receiver', `m${i}`).then(() => void settledOrder.push(i)));
  // Every 100th goes to someone offline: its 104 must land on exactly that request.
  const misses: Array<Promise<unknown>> = [];
  for (let i = 0; i < count; i += 100) {
    misses.push(sender.send('ghost', `miss${i}`).then(() => 'delivered', (error: SupStatusError) => error.status));
  }
  await Promise.all(sends);
  assert.deepEqual(await Promise.all(misses), misses.map(() => '104'));
  await allReceived;

  assert.deepEqual(settledOrder, Array.from({ length: count }, (_, i) => i));
  assert.deepEqual(texts, Array.from({ length: count }, (_, i) => `m${i}`));
});

test('when the server replies one byte at a time, then every answer still matches its request', { timeout: 5_000 }, async (t) => {
  const { port } = await startSupServer(t);
  const alice = newClient(t, { port, username: 'alice', transport: splittingTransport(oneByteAtATime) });
  const bob = newClient(t, { port, username: 'bob', transport: splittingTransport(randomSplits(7)) });
  await Promise.all([alice.connect(), bob.connect()]);
  const inbox: string[] = [];
  alice.on('message', (message) => inbox.push(`${message.from}:${message.text}`));

  const results = await Promise.all([
    alice.send('bob', 'one'),
    alice.contacts(),
    alice.isOnline('bob'),
    alice.send('nobody', 'x').catch((error: SupStatusError) => error.status),
    bob.send('alice', 'hello alice'),
    alice.isOnline('carol'),
    alice.send('alice', 'to myself'),
    alice.contacts(),
  ]);
  assert.deepEqual(results, [undefined, ['alice', 'bob'], true, '104', undefined, false, undefined, ['alice', 'bob']]);
  // Two senders on two connections: nothing orders one against the other.
  assert.deepEqual(inbox.sort(), ['alice:to myself', 'bob:hello alice']);
});

test('when recv frames come between statuses and bytes trickle in, then matching is not confused', { timeout: 5_000 }, async (t) => {
  const fake = await FakeServer.start(t);
  const client = newClient(t, { port: fake.port, username: 'alice' });
  const inbox: string[] = [];
  client.on('message', (message) => inbox.push(`${message.from}:${message.text}`));
  const connected = client.connect();
  const peer = await fake.nextPeer();
  assert.equal(await peer.frame(), 'login alice');
  await peer.sendByteByByte('status 000 OK', 'recv bob right after login');
  await connected;

  const results = Promise.all([
    client.send('bob', 'first'),
    client.contacts(),
    client.isOnline('bob'),
    client.send('carol', 'second').catch((error: SupStatusError) => error.status),
  ]);
  assert.deepEqual(await peer.frames(4), ['send bob first', 'get contacts', 'contact bob', 'send carol second']);
  await peer.sendByteByByte(
    'recv bob before any status',
    'status 000 OK',
    'recv carol between two statuses',
    'status 000 OK',
    'contacts alice bob',
    'recv bob after the contacts',
    'status 001 Online',
    'status 104 Messaged User Not Online',
    'recv bob at the end',
  );
  assert.deepEqual(await results, [undefined, ['alice', 'bob'], true, '104']);
  // The last recv follows the last status on the wire, so it may still be on its way here.
  await until(() => inbox.length >= 5);
  assert.deepEqual(inbox, [
    'bob:right after login',
    'bob:before any status',
    'carol:between two statuses',
    'bob:after the contacts',
    'bob:at the end',
  ]);
});

test('when messages() is iterated, then it yields each message and ends once the client quits', { timeout: 5_000 }, async (t) => {
  const { port } = await startSupServer(t);
  const alice = newClient(t, { port, username: 'alice' });
  const bob = newClient(t, { port, username: 'bob' });
  await Promise.all([alice.connect(), bob.connect()]);
  const seen: string[] = [];
  const reading = (async () => {
    for await (const message of bob.messages()) {
      seen.push(message.text);
      if (seen.length === 3) await bob.quit();
    }
  })();
  await alice.send('bob', 'a');
  await alice.send('bob', 'b');
  await alice.send('bob', 'c');
  await reading;
  assert.deepEqual(seen, ['a', 'b', 'c']);
  assert.equal(bob.state.type, 'closed');
  const after = await bob.messages().next();
  assert.equal(after.done, true);
});

test('when quit() is called, then it is written after earlier requests and resolves only on its status', { timeout: 5_000 }, async (t) => {
  const fake = await FakeServer.start(t);
  const client = newClient(t, { port: fake.port, username: 'alice' });
  const states: string[] = [];
  client.on('state', (state) => states.push(state.type));
  const connected = client.connect();
  const peer = await fake.nextPeer();
  assert.equal(await peer.frame(), 'login alice');
  peer.send('status 000 OK');
  await connected;

  const sent = client.send('bob', 'last words');
  let quitDone = false;
  const quitting = client.quit().then(() => {
    quitDone = true;
  });
  assert.equal(client.state.type, 'closing');
  await assert.rejects(client.send('bob', 'too late'), { code: 'SUP_CLOSED' });
  assert.deepEqual(await peer.frames(2), ['send bob last words', 'quit alice']);
  peer.send('status 000 OK');
  await sent;
  assert.equal(quitDone, false, 'quit must wait for its own status');
  peer.send('status 000 OK');
  await quitting;
  assert.equal(client.state.type, 'closed');
  assert.deepEqual(states, ['connecting', 'online', 'closing', 'closed']);
  await peer.closed;
});

test('when quit() resolves on the real server, then the name is free at once for someone else', { timeout: 5_000 }, async (t) => {
  const { server, port } = await startSupServer(t);
  const first = newClient(t, { port, username: 'alice', reconnect: false });
  await first.connect();
  await first.quit();
  assert.equal(server.stats.online, 0);
  const second = newClient(t, { port, username: 'alice', reconnect: false });
  await second.connect();
  assert.equal(await second.isOnline('alice'), true);
});

test('when clients quit or close, then no socket or timer is left behind', { timeout: 5_000 }, async (t) => {
  const { server, port } = await startSupServer(t);
  const before = await liveHandles();
  const quitter = newClient(t, { port, username: 'quitter', idleProbeMs: 1_000 });
  const closer = newClient(t, { port, username: 'closer', idleProbeMs: 1_000 });
  await Promise.all([quitter.connect(), closer.connect()]);
  // Written, but closed before its status can come back.
  const pending = closer.send('quitter', 'x');
  closer.close();
  await assert.rejects(pending, { code: 'SUP_CLOSED' });
  await quitter.quit();
  // The server's ends of both connections live in this process too: let it see them go.
  await until(() => server.stats.connections === 0);
  assert.deepEqual(await liveHandles(), before);
});
