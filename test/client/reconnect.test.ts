import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SupStatusError, type SupError } from '../../src/client/errors.js';
import type { SupClientState } from '../../src/client/sup-client.js';
import { SupServer } from '../../src/server/sup-server.js';
import type { SupClientOptions } from '../../src/client/options.js';
import { FakeServer, type Cleanup } from './fake-server.js';
import { FAST_RECONNECT, newClient, recordStates, startSupServer, stateReached } from './helpers.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { ControlledTransport } from './transports.js';

const isOnline = (state: SupClientState): boolean => state.type === 'online';
const isOffline = (state: SupClientState): boolean => state.type !== 'online';

/** A client logged in through a scripted server, with the connection the server holds for it. */
async function onlineThroughFake(t: Cleanup, options: Omit<SupClientOptions, 'port' | 'username'> = {}) {
  const fake = await FakeServer.start(t);
  const client = newClient(t, { ...options, port: fake.port, username: 'alice' });
  const connected = client.connect();
  const first = await fake.nextPeer();
  assert.equal(await first.frame(), 'login alice');
  first.send('status 000 OK');
  await connected;
  return { fake, client, first };
}

function lastErrorOf(state: SupClientState): SupError | undefined {
  return 'lastError' in state ? state.lastError : undefined;
}

/**
 * Checks what at-least-once promises for one restart: 1..total all arrive, in order, and the
 * only repeats are one run of at most `window` messages (those in flight at the drop).
 */
function assertDeliveredInOrder(received: number[], total: number, window: number): void {
  assert.equal(received[0], 1, 'the first message is missing');
  let restarts = 0;
  for (let i = 1; i < received.length; i++) {
    const previous = received[i - 1]!;
    const current = received[i]!;
    if (current === previous + 1) continue;
    assert.ok(current <= previous, `message ${previous + 1} was lost or reordered (got ${current} after ${previous})`);
    assert.ok(previous - current < window, `${previous - current + 1} repeats, more than the ${window} that can be in flight`);
    restarts++;
  }
  assert.ok(restarts <= 1, `${restarts} runs of repeats for a single restart`);
  assert.equal(received.at(-1), total, 'the last messages are missing');
}

test(
  'when the server restarts on the same port mid-stream, then every send before, during and after arrives in order',
  { timeout: 10_000 },
  async (t) => {
    const first = new SupServer({ port: 0 });
    t.after(() => first.close());
    const { port } = await first.listen();
    const window = 16;
    // Sending to itself: the recipient is online whenever the sender is, whichever server is up.
    const client = newClient(t, { port, username: 'echo', maxInFlight: window });
    await client.connect();
    const total = 400;
    const received: number[] = [];
    const distinct = new Set<number>();
    const allReceived = new Promise<void>((resolve) => {
      client.on('message', (message) => {
        const n = Number(message.text);
        received.push(n);
        distinct.add(n);
        if (distinct.size === total) resolve();
      });
    });
    const sends: Array<Promise<void>> = [];
    const sendUpTo = (count: number): void => {
      while (sends.length < count) sends.push(client.send('echo', String(sends.length + 1)));
    };

    sendUpTo(200);
    await sends[49];
    await first.close();
    await stateReached(client, isOffline);
    sendUpTo(300);
    const second = new SupServer({ port });
    t.after(() => second.close());
    await second.listen();
    await stateReached(client, isOnline);
    sendUpTo(total);

    await Promise.all(sends);
    await allReceived;
    assertDeliveredInOrder(received, total, window);
  },
);

test('when the name is still taken after a reconnect, then 101 is retried until it frees', { timeout: 10_000 }, async (t) => {
  const { port } = await startSupServer(t);
  const transport = new ControlledTransport();
  const bot = newClient(t, { port, username: 'bot', transport });
  await bot.connect();

  const release = transport.hold();
  transport.current!.close();
  await stateReached(bot, (state) => state.type === 'connecting');
  // Takes the name while the bot is away; it retries its own 101s until the server frees it.
  const squatter = newClient(t, { port, username: 'bot' });
  await squatter.connect();

  const taken = stateReached(bot, (state) => state.type === 'backoff' && (lastErrorOf(state) as SupStatusError).status === '101');
  release();
  const refusal = lastErrorOf(await taken);
  assert.ok(refusal instanceof SupStatusError);
  assert.equal(refusal.command, 'login');
  assert.equal(bot.state.type === 'closed', false, '101 is not fatal');

  await squatter.quit();
  await stateReached(bot, isOnline);
  assert.equal(await bot.isOnline('bot'), true);
});

test('when the login is refused with 102, then it is fatal even with reconnect on', { timeout: 5_000 }, async (t) => {
  const fake = await FakeServer.start(t);
  const client = newClient(t, { port: fake.port, username: 'alice' });
  const connected = client.connect();
  const queued = client.send('bob', 'never sent');
  const peer = await fake.nextPeer();
  assert.equal(await peer.frame(), 'login alice');
  peer.send('status 102 Username Invalid');

  const is102 = (error: unknown): boolean =>
    error instanceof SupStatusError && error.status === '102' && error.command === 'login';
  await assert.rejects(connected, is102);
  await assert.rejects(queued, is102);
  assert.equal(client.state.type, 'closed');
  assert.ok(is102(lastErrorOf(client.state)));
  await peer.closed;
});

test('when 102 comes after a reconnect, then the client stops and says why', { timeout: 5_000 }, async (t) => {
  const { fake, client, first } = await onlineThroughFake(t);
  first.destroy();
  const second = await fake.nextPeer();
  assert.equal(await second.frame(), 'login alice');
  second.send('status 102 Username Invalid');
  const closed = await stateReached(client, (state) => state.type === 'closed');
  assert.equal((lastErrorOf(closed) as SupStatusError).status, '102');
  await assert.rejects(client.connect(), { code: 'SUP_CLOSED' });
});

test('when the server accepts and then never answers, then the idle probe finds it dead and the client reconnects', { timeout: 5_000 }, async (t) => {
  const fake = await FakeServer.start(t);
  const clock = new FakeClock();
  const client = newClient(t, { port: fake.port, username: 'zed', idleProbeMs: 30, probeTimeoutMs: 30, clock });
  const states = recordStates(client);
  const connected = client.connect();
  const first = await fake.nextPeer();
  assert.equal(await first.frame(), 'login zed');
  first.send('status 000 OK');
  await connected;

  // A send goes unanswered along with the probe; it must survive onto the next connection.
  const sent = client.send('bob', 'are you there');
  await clock.advance(30);
  assert.deepEqual(await first.frames(2), ['send bob are you there', 'contact zed']);
  // Silent past probeTimeoutMs, then the first retry's backoff (FAST_RECONNECT: under 5 ms).
  await clock.advance(30 + FAST_RECONNECT.initialDelayMs);
  const second = await fake.nextPeer();
  await first.closed;
  assert.equal(await second.frame(), 'login zed');
  second.send('status 000 OK');
  assert.equal(await second.frame(), 'send bob are you there');
  second.send('status 000 OK');
  await sent;

  const lost = states.find((state) => lastErrorOf(state)?.code === 'SUP_CONNECTION_LOST');
  assert.ok(lost, JSON.stringify(states.map((state) => state.type)));
  assert.match(lastErrorOf(lost)!.message, /probe/);
});

test('when the server accepts but never answers the login, then the attempt times out and is retried', { timeout: 5_000 }, async (t) => {
  const fake = await FakeServer.start(t);
  const clock = new FakeClock();
  const client = newClient(t, { port: fake.port, username: 'zed', connectTimeoutMs: 40, clock });
  const connected = client.connect();
  const first = await fake.nextPeer();
  assert.equal(await first.frame(), 'login zed');
  // Listening first: a backoff of 0 ms redials within the same advance.
  const backoff = stateReached(client, (state) => state.type === 'backoff');
  await clock.advance(40);
  const retry = await backoff;
  assert.equal(lastErrorOf(retry)?.code, 'SUP_CONNECT_TIMEOUT');
  await clock.advance(FAST_RECONNECT.initialDelayMs);
  const second = await fake.nextPeer();
  assert.equal(await second.frame(), 'login zed');
  second.send('status 000 OK');
  await connected;
  await first.closed;
});

test('when a connection drops with requests in flight, then they are resent first, in order', { timeout: 5_000 }, async (t) => {
  const { fake, client, first } = await onlineThroughFake(t);

  const results = Promise.all([client.send('bob', 'one'), client.isOnline('bob'), client.send('bob', 'two')]);
  assert.deepEqual(await first.frames(3), ['send bob one', 'contact bob', 'send bob two']);
  first.hangUp('status 000 OK');
  await stateReached(client, isOffline);
  const newer = client.send('bob', 'three');

  const second = await fake.nextPeer();
  assert.equal(await second.frame(), 'login alice');
  second.send('status 000 OK');
  // 'one' was answered before the drop; the rest go again, older before newer.
  assert.deepEqual(await second.frames(3), ['contact bob', 'send bob two', 'send bob three']);
  second.send('status 001 Online', 'status 000 OK', 'status 000 OK');
  assert.deepEqual(await results, [undefined, true, undefined]);
  await newer;
});

test("when onReconnect is 'reject', then unanswered sends fail as delivery-unknown and queries are resent", { timeout: 5_000 }, async (t) => {
  const { fake, client, first } = await onlineThroughFake(t, { onReconnect: 'reject' });

  const sent = client.send('bob', 'maybe');
  const asked = client.isOnline('bob');
  assert.deepEqual(await first.frames(2), ['send bob maybe', 'contact bob']);
  first.destroy();
  await assert.rejects(sent, (error: SupError) => {
    assert.equal(error.code, 'SUP_DELIVERY_UNKNOWN');
    assert.equal((error.cause as SupError).code, 'SUP_CONNECTION_LOST');
    assert.match(error.message, /may or may not have been delivered/);
    return true;
  });
  const second = await fake.nextPeer();
  assert.equal(await second.frame(), 'login alice');
  second.send('status 000 OK');
  assert.equal(await second.frame(), 'contact bob');
  second.send('status 103 Offline');
  assert.equal(await asked, false);
});

test('when the server is full, then the client backs off and says so', { timeout: 5_000 }, async (t) => {
  const { port } = await startSupServer(t, { maxConnections: 1 });
  const holder = newClient(t, { port, username: 'holder' });
  await holder.connect();
  const client = newClient(t, { port, username: 'late', reconnect: { ...FAST_RECONNECT, maxAttempts: 2 } });
  const states = recordStates(client);
  await assert.rejects(client.connect(), (error) => error instanceof SupStatusError && error.status === '201');
  const backoff = states.find((state) => state.type === 'backoff');
  assert.equal((lastErrorOf(backoff!) as SupStatusError).status, '201');
  assert.deepEqual(
    states.map((state) => state.type),
    ['connecting', 'backoff', 'connecting', 'closed'],
    'maxAttempts 2 means two attempts, then give up',
  );
});

test('when a connection was stable, then the attempt count starts again from 1', { timeout: 5_000 }, async (t) => {
  const { fake, client, first } = await onlineThroughFake(t, { reconnect: { ...FAST_RECONNECT, stableAfterMs: 0 } });
  first.destroy();
  const again = await stateReached(client, (state) => state.type === 'connecting');
  assert.deepEqual(again.type === 'connecting' && again.attempt, 1);
  const second = await fake.nextPeer();
  await second.frame();
  second.send('status 000 OK');
  await stateReached(client, isOnline);
});
