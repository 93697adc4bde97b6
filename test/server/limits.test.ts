import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { LocalPresence } from '../../src/server/presence.js';
import { RawPeer } from '../helpers/raw-peer.js';
import { loggedIn, loginOnceAdmitted, startServer } from './start-server.js';

const OK = 'status 000 OK';
const ONLINE = 'status 001 Online';
const OFFLINE = 'status 103 Offline';
const NOT_ONLINE = 'status 104 Messaged User Not Online';
const TOO_LONG = 'status 107 Message Too Long';
const SERVER_FULL = 'status 201 Server Full';

const options = { timeout: 20_000 };

describe('SupServer limits', options, () => {
  test('when a frame is over the limit, then it is 107 and the connection resyncs at the next EOT', async (t) => {
    const { port } = await startServer(t, { maxFrameBytes: 64 });
    const alice = await loggedIn(port, t, 'alice');
    const bob = await loggedIn(port, t, 'bob');
    const atLimit = `send bob ${'x'.repeat(64 - 'send bob '.length)}`;
    assert.equal(atLimit.length, 64);
    assert.deepEqual(await alice.request([`${atLimit}y`, 'contact bob', atLimit, `${'y'.repeat(5000)}`, 'contact bob']), [
      TOO_LONG,
      ONLINE,
      OK,
      TOO_LONG,
      ONLINE,
    ]);
    assert.deepEqual(await bob.frames(1), [`recv alice ${atLimit.slice('send bob '.length)}`]);
    assert.deepEqual(bob.pending, []);
  });

  test('when a huge frame arrives in many small writes, then exactly one 107 comes and the next frame is answered', async (t) => {
    const { port } = await startServer(t, { maxFrameBytes: 64 });
    const peer = await RawPeer.connect(port, t);
    for (let i = 0; i < 200; i++) peer.write('z'.repeat(1000));
    peer.write('\x04login alice\x04');
    assert.deepEqual(await peer.frames(2), [TOO_LONG, OK]);
    assert.deepEqual(await peer.request('contact alice'), [ONLINE]);
  });

  test('when an over-limit frame holds forbidden bytes, then it is still 107 (the limit is checked first)', async (t) => {
    const { port } = await startServer(t, { maxFrameBytes: 64 });
    const peer = await RawPeer.connect(port, t);
    assert.deepEqual(await peer.request(['\x00'.repeat(65), '\x80'.repeat(1000)]), [TOO_LONG, TOO_LONG]);
  });

  test('when a connection does not log in within the login timeout, then it is closed without a frame', async (t) => {
    const { port } = await startServer(t, { loginTimeoutMs: 50 });
    const idle = await RawPeer.connect(port, t);
    assert.deepEqual(await idle.rest(), { frames: [], trailing: '' });
  });

  test('when a connection fails to log in, then the login timeout still closes it', async (t) => {
    const { port } = await startServer(t, { loginTimeoutMs: 50 });
    const peer = await RawPeer.connect(port, t);
    assert.deepEqual(await peer.request(['login bad!', 'get contacts']), [
      'status 102 Username Invalid',
      'status 105 Not Logged In',
    ]);
    assert.deepEqual(await peer.rest(), { frames: [], trailing: '' });
  });

  test('when a connection logs in in time, then the login timeout no longer applies', async (t) => {
    const { port } = await startServer(t, { loginTimeoutMs: 50 });
    const early = await loggedIn(port, t, 'early');
    // Timers fire in order: once the later connection is cut, the earlier one's timer is past too.
    const late = await RawPeer.connect(port, t);
    await late.closed;
    assert.deepEqual(await early.request(['contact early', 'get contacts'], 3), [ONLINE, OK, 'contacts early']);
  });

  test('when a receiver never reads, then it is closed once its unsent output passes maxOutputBytes, and sends to it get 104', async (t) => {
    const { port, server } = await startServer(t, { maxOutputBytes: 64 * 1024 });
    const reader = await loggedIn(port, t, 'slow');
    reader.socket.pause();
    const sender = await loggedIn(port, t, 'fast');
    const message = 'm'.repeat(8 * 1024);
    const batch = 64;
    // Each send is followed by a contact, so the frame right after the one that closes it is seen.
    const pair = [`send slow ${message}`, 'contact slow'];
    let statuses: string[] = [];
    // Kernel buffers absorb a few megabytes first; 64 MiB without a close means no limit at all.
    for (let sent = 0; sent < 64 * 1024 * 1024 && !statuses.includes(NOT_ONLINE); sent += batch * message.length) {
      statuses = await sender.request(Array.from({ length: batch }, () => pair).flat());
    }
    const first = statuses.indexOf(NOT_ONLINE);
    assert.notEqual(first, -1, 'the slow consumer was never closed');
    const before = statuses.slice(0, first);
    const after = statuses.slice(first);
    assert.deepEqual(before, before.map((_, i) => (i % 2 === 0 ? OK : ONLINE)));
    // Offline at once: the contact right after the send that closed it already finds it gone.
    assert.deepEqual(after, after.map((_, i) => (i % 2 === 0 ? NOT_ONLINE : OFFLINE)));
    assert.deepEqual(await sender.request(['contact slow', 'send slow again', 'get contacts'], 4), [
      OFFLINE,
      NOT_ONLINE,
      OK,
      'contacts fast',
    ]);
    assert.equal(server.stats.online, 1);
    // What was queued before the cut may still arrive; then the connection ends.
    reader.socket.resume();
    await reader.closed;
    await loggedIn(port, t, 'slow');
  });

  test('when a client pipelines requests without reading, then the server stops reading it and its unsent output stays bounded', async (t) => {
    const outputHighWaterMark = 4096;
    // Many long names make each contacts reply large: 200 * 33 bytes for a 13-byte request.
    const presence = new LocalPresence<unknown>();
    for (let i = 0; i < 200; i++) presence.claim(`filler${String(i).padStart(26, '0')}`, {});
    const { port, server } = await startServer(t, { outputHighWaterMark, presence });
    const watcher = await loggedIn(port, t, 'watcher');
    const greedy = await loggedIn(port, t, 'greedy');
    const [, contacts] = (await greedy.request('get contacts', 2)) as [string, string];
    const replyBytes = OK.length + contacts.length + 2;
    greedy.socket.pause();
    const requests = 3000;
    // About 20 MB of replies if the server answered everything at once; kernel buffers hold a few MB.
    greedy.send(...Array.from({ length: requests }, () => 'get contacts'));

    const bound = outputHighWaterMark + replyBytes;
    let peak = 0;
    let backedUpAt = -1;
    for (let round = 0; round < 5000 && (backedUpAt === -1 || round < backedUpAt + 50); round++) {
      assert.deepEqual(await watcher.request('contact greedy'), [ONLINE]);
      const unsent = server.stats.unsentOutputBytes;
      peak = Math.max(peak, unsent);
      if (unsent > 0 && backedUpAt === -1) backedUpAt = round;
    }
    assert.notEqual(backedUpAt, -1, 'the greedy client never filled the kernel buffers, so nothing was tested');
    assert.ok(peak <= bound, `unsent output reached ${peak} bytes; the bound is ${bound}`);

    // Nothing was lost while reading was paused: every request is answered, in order.
    greedy.socket.resume();
    const frames = await greedy.frames(requests * 2);
    const wrong = frames.findIndex((frame, i) => frame !== (i % 2 === 0 ? OK : contacts));
    assert.equal(wrong, -1, `frame ${wrong} is not the expected reply`);
  });

  test('when the connection limit is reached, then the next client gets 201 once and is closed, and a freed slot is reused', async (t) => {
    const { port } = await startServer(t, { maxConnections: 2 });
    const alice = await loggedIn(port, t, 'alice');
    const bob = await loggedIn(port, t, 'bob');
    const refused = await RawPeer.connect(port, t);
    refused.send('login carol', 'get contacts');
    assert.deepEqual(await refused.rest(), { frames: [SERVER_FULL], trailing: '' });
    assert.deepEqual(await bob.request('get contacts', 2), [OK, 'contacts alice bob']);

    assert.deepEqual(await alice.request('quit alice'), [OK]);
    await alice.closed;
    assert.equal(await loginOnceAdmitted(port, t, 'carol'), OK);
  });
});
