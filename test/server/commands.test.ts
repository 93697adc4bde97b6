import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RawPeer } from '../helpers/raw-peer.js';
import { loggedIn, startServer } from './start-server.js';

// Exact status frames (EOT removed), from PROTOCOL.md.
const OK = 'status 000 OK';
const ONLINE = 'status 001 Online';
const MALFORMED = 'status 100 Malformed Message';
const TAKEN = 'status 101 Username Taken';
const INVALID = 'status 102 Username Invalid';
const OFFLINE = 'status 103 Offline';
const NOT_ONLINE = 'status 104 Messaged User Not Online';
const NOT_LOGGED_IN = 'status 105 Not Logged In';
const ALREADY = 'status 106 Already Logged In';
const MISMATCH = 'status 108 Username Mismatch';

const options = { timeout: 10_000 };

describe('SupServer commands', options, () => {
  test('when a client logs in, then the reply is exactly `status 000 OK` and EOT', async (t) => {
    const { port } = await startServer(t);
    const peer = await RawPeer.connect(port, t);
    peer.write('login alice\x04');
    assert.deepEqual(await peer.frames(1), [OK]);
    assert.equal(peer.receivedBytes, Buffer.byteLength(`${OK}\x04`));
  });

  test('when a name is taken, then login is 101 and the name is case-sensitive', async (t) => {
    const { port } = await startServer(t);
    await loggedIn(port, t, 'alice');
    const other = await RawPeer.connect(port, t);
    assert.deepEqual(await other.request('login alice'), [TAKEN]);
    assert.deepEqual(await other.request('login Alice'), [OK]);
  });

  test('when a login name is invalid, then it is 102 and the connection may try again', async (t) => {
    const { port } = await startServer(t);
    const peer = await RawPeer.connect(port, t);
    const bad = ['login ', 'login a b', 'login bob!', `login ${'a'.repeat(33)}`, 'login', 'login  bob', 'login bob '];
    assert.deepEqual(await peer.request(bad), bad.map(() => INVALID));
    assert.deepEqual(await peer.request(`login ${'a'.repeat(32)}`), [OK]);
  });

  test('when a login frame holds a byte >= 0x80 or a control byte, then it is 100, not 102', async (t) => {
    const { port } = await startServer(t);
    const peer = await RawPeer.connect(port, t);
    assert.deepEqual(await peer.request(['login bo\x80b', 'login \xff', 'login b\x00b', 'login b\x7fb']), [
      MALFORMED,
      MALFORMED,
      MALFORMED,
      MALFORMED,
    ]);
  });

  test('when a logged-in connection logs in again, then it is 106, whatever the name', async (t) => {
    const { port } = await startServer(t);
    const peer = await loggedIn(port, t, 'alice');
    assert.deepEqual(await peer.request(['login carol', 'login alice']), [ALREADY, ALREADY]);
    // Still logged in as alice: the 106 changed nothing.
    assert.deepEqual(await peer.request(['contact alice', 'contact carol']), [ONLINE, OFFLINE]);
  });

  test('when a well-formed command comes before login, then each is 105', async (t) => {
    const { port } = await startServer(t);
    await loggedIn(port, t, 'bob');
    const peer = await RawPeer.connect(port, t);
    const commands = ['get contacts', 'contact bob', 'send bob hi', 'quit bob', 'quit alice', 'contact bad!name'];
    assert.deepEqual(await peer.request(commands), commands.map(() => NOT_LOGGED_IN));
    assert.deepEqual(await peer.request('login alice'), [OK]);
  });

  test('when a frame is malformed, then it is 100 before and after login, and the connection keeps working', async (t) => {
    const { port } = await startServer(t);
    const malformed = [
      'send bob a\x00b',
      'contact bob\x1b',
      'get contacts\x80',
      '',
      'hello',
      'LOGIN bob',
      'GET CONTACTS',
      'Send bob hi',
      'quit',
      'send bob',
      'send bob ',
      'send',
      'contact',
      'get contacts ',
      'get  contacts',
      ' login bob',
    ];
    const before = await RawPeer.connect(port, t);
    assert.deepEqual(await before.request(malformed), malformed.map(() => MALFORMED));
    const after = await loggedIn(port, t, 'bob');
    assert.deepEqual(await after.request(malformed), malformed.map(() => MALFORMED));
    assert.deepEqual(await after.request('contact bob'), [ONLINE]);
  });

  test('when empty frames come back to back, then each gets its own 100', async (t) => {
    const { port } = await startServer(t);
    const peer = await RawPeer.connect(port, t);
    peer.write('\x04\x04\x04');
    assert.deepEqual(await peer.frames(3), [MALFORMED, MALFORMED, MALFORMED]);
  });

  test('when get contacts is asked, then 000 comes with every online name, the asker included, in byte order', async (t) => {
    const { port } = await startServer(t);
    for (const name of ['bob', 'a', '_x', 'Zed', '0', '-y', '.z', 'Alice', 'alice']) await loggedIn(port, t, name);
    const asker = await loggedIn(port, t, 'B');
    assert.deepEqual(await asker.request('get contacts', 2), [OK, 'contacts -y .z 0 Alice B Zed _x a alice bob']);
  });

  test('when only the asker is online, then contacts lists just the asker', async (t) => {
    const { port } = await startServer(t);
    const asker = await loggedIn(port, t, 'solo');
    assert.deepEqual(await asker.request('get contacts', 2), [OK, 'contacts solo']);
  });

  test('when recv frames race with get contacts, then nothing ever comes between a 000 and its contacts frame', async (t) => {
    const { port } = await startServer(t);
    const asker = await loggedIn(port, t, 'asker');
    const chatty = await loggedIn(port, t, 'chatty');
    const rounds = 300;
    chatty.send(...Array.from({ length: rounds }, (_, i) => `send asker m${i}`));
    asker.send(...Array.from({ length: rounds }, () => 'get contacts'));
    const frames = await asker.frames(rounds * 3);
    assert.deepEqual(await chatty.frames(rounds), Array.from({ length: rounds }, () => OK));
    let statuses = 0;
    frames.forEach((frame, i) => {
      if (frame === OK) {
        statuses++;
        assert.equal(frames[i + 1], 'contacts asker chatty', `frame after status ${i}`);
      }
    });
    assert.equal(statuses, rounds);
    const received = frames.filter((frame) => frame.startsWith('recv '));
    assert.deepEqual(received, Array.from({ length: rounds }, (_, i) => `recv chatty m${i}`));
  });

  test('when contact names an online user, an offline one, an invalid or an empty name, then 001, 103, 103, 103', async (t) => {
    const { port } = await startServer(t);
    await loggedIn(port, t, 'bob');
    const peer = await loggedIn(port, t, 'alice');
    assert.deepEqual(
      await peer.request(['contact bob', 'contact alice', 'contact carol', 'contact Bob', 'contact bob!', `contact ${'b'.repeat(33)}`, 'contact ']),
      [ONLINE, ONLINE, OFFLINE, OFFLINE, OFFLINE, OFFLINE, OFFLINE],
    );
  });

  test('when a message has leading, trailing and inner spaces, TAB, LF and CR, then the recipient gets it byte for byte', async (t) => {
    const { port } = await startServer(t);
    const alice = await loggedIn(port, t, 'alice');
    const bob = await loggedIn(port, t, 'bob');
    const messages = ['hello', '  leading', 'trailing  ', ' in  ner ', 'tab\there', 'l\nf', 'c\rr', '\r\n', ' ', '\t', 'x'];
    assert.deepEqual(
      await alice.request(messages.map((m) => `send bob ${m}`)),
      messages.map(() => OK),
    );
    assert.deepEqual(
      await bob.frames(messages.length),
      messages.map((m) => `recv alice ${m}`),
    );
    assert.deepEqual(bob.pending, []);
  });

  test('when a user sends to themself, then they get both the 000 and the recv', async (t) => {
    const { port } = await startServer(t);
    const alice = await loggedIn(port, t, 'alice');
    alice.send('send alice note to self');
    // recv frames may come before or after statuses, so only the set is fixed.
    assert.deepEqual((await alice.frames(2)).sort(), [OK, 'recv alice note to self'].sort());
  });

  test('when the recipient is offline or not a valid name, then send is 104', async (t) => {
    const { port } = await startServer(t);
    const alice = await loggedIn(port, t, 'alice');
    assert.deepEqual(await alice.request(['send bob hi', 'send bob! hi', 'send Alice hi']), [
      NOT_ONLINE,
      NOT_ONLINE,
      NOT_ONLINE,
    ]);
  });

  test('when a user quits with their own name, then 000 comes and the server closes, ignoring later frames', async (t) => {
    const { port } = await startServer(t);
    const alice = await loggedIn(port, t, 'alice');
    alice.send('quit alice', 'contact alice', 'get contacts');
    assert.deepEqual(await alice.rest(), { frames: [OK], trailing: '' });
  });

  test('when quit names someone else, then it is 108 and the connection stays logged in', async (t) => {
    const { port } = await startServer(t);
    await loggedIn(port, t, 'bob');
    const alice = await loggedIn(port, t, 'alice');
    assert.deepEqual(await alice.request(['quit bob', 'quit Alice', 'quit ', 'contact alice']), [
      MISMATCH,
      MISMATCH,
      MISMATCH,
      ONLINE,
    ]);
  });

  test('when a user has quit, then they are offline at once and the name can log in again', async (t) => {
    const { port } = await startServer(t);
    const bob = await loggedIn(port, t, 'bob');
    const alice = await loggedIn(port, t, 'alice');
    assert.deepEqual(await alice.request('quit alice'), [OK]);
    assert.deepEqual(await bob.request(['contact alice', 'send alice hi', 'get contacts'], 4), [
      OFFLINE,
      NOT_ONLINE,
      OK,
      'contacts bob',
    ]);
    await loggedIn(port, t, 'alice');
    assert.deepEqual(await bob.request('contact alice'), [ONLINE]);
  });

  test('when a connection closes abruptly, then its user goes offline and the name is free again', async (t) => {
    const { port } = await startServer(t);
    const bob = await loggedIn(port, t, 'bob');
    const alice = await loggedIn(port, t, 'alice');
    alice.destroy();
    // The close reaches the server on another socket than bob's query, so ask until it has.
    let answer = ONLINE;
    for (let attempt = 0; attempt < 1000 && answer === ONLINE; attempt++) [answer] = (await bob.request('contact alice')) as [string];
    assert.equal(answer, OFFLINE);
    assert.deepEqual(await bob.request('send alice hi'), [NOT_ONLINE]);
    await loggedIn(port, t, 'alice');
  });

  test('when a client half-closes after pipelining frames, then every frame is still answered before the close', async (t) => {
    const { port } = await startServer(t);
    const peer = await RawPeer.connect(port, t);
    peer.send('login alice', 'contact alice', 'get contacts');
    peer.socket.end();
    assert.deepEqual(await peer.rest(), { frames: [OK, ONLINE, OK, 'contacts alice'], trailing: '' });
  });

  test('when a client half-closes, then its user is offline by the time the server has closed its side', async (t) => {
    const { port } = await startServer(t);
    const bob = await loggedIn(port, t, 'bob');
    const alice = await loggedIn(port, t, 'alice');
    alice.socket.end();
    assert.deepEqual(await alice.rest(), { frames: [], trailing: '' });
    assert.deepEqual(await bob.request(['contact alice', 'send alice hi']), [OFFLINE, NOT_ONLINE]);
    await loggedIn(port, t, 'alice');
  });
});
