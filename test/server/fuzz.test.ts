import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RawPeer } from '../helpers/raw-peer.js';
import { loggedIn, seededRandom, startServer } from './start-server.js';

// Override with SUP_FUZZ_SEED=<n> to explore; a failure names the seed that found it.
const SEED = Number(process.env['SUP_FUZZ_SEED'] ?? 0x5eed);
const MAX_FRAME_BYTES = 256;
// Members log in first; strangers only try names that are taken or invalid.
const MEMBERS = 4;
const STRANGERS = 2;
const PIECES_PER_FUZZER = 4000;

const OK = 'status 000 OK';
const NAME = /^[A-Za-z0-9_.-]{1,32}$/;
const NAME_POOL = ['f0', 'f1', 'f2', 'f3', 'f4', 'observer', 'ghost', 'bad!name', '', 'x'.repeat(33), 'F0', 'f0 '];
const STRANGER_LOGINS = ['observer', 'f0', 'f1', 'bad!name', '', 'x'.repeat(33), 'f0 ', 'a b', 'é'];

type Random = () => number;
const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

function randomMessage(random: Random): string {
  const alphabet = 'abc XYZ 019 \t\r\n.!~ ';
  let text = '';
  const length = Math.floor(random() * 40);
  for (let i = 0; i < length; i++) text += pick(random, [...alphabet]);
  return text;
}

/** A well-formed (or nearly) frame text, from every command shape of PROTOCOL.md. */
function validFrame(random: Random, self: string, member: boolean): string {
  switch (Math.floor(random() * 6)) {
    case 0:
      return `login ${pick(random, member ? NAME_POOL : STRANGER_LOGINS)}`;
    case 1:
      return 'get contacts';
    case 2:
      return `contact ${pick(random, NAME_POOL)}`;
    case 3:
    case 4:
      return `send ${pick(random, NAME_POOL)} ${randomMessage(random)}`;
    default:
      // Quitting under one's own name ends the run early, so keep it rare.
      return `quit ${random() < 0.002 ? self : pick(random, NAME_POOL.filter((name) => name !== self))}`;
  }
}

function mutate(random: Random, text: string): string {
  let bytes = [...Buffer.from(text, 'latin1')];
  const edits = 1 + Math.floor(random() * 3);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * (bytes.length + 1));
    const byte = random() < 0.1 ? 0x04 : Math.floor(random() * 256);
    switch (Math.floor(random() * 6)) {
      case 0:
        bytes[at] = byte;
        break;
      case 1:
        bytes.splice(at, 0, byte);
        break;
      case 2:
        bytes.splice(at, 1);
        break;
      case 3:
        bytes = bytes.map((b) => (b >= 0x61 && b <= 0x7a && random() < 0.5 ? b - 0x20 : b));
        break;
      case 4:
        bytes.splice(at, 0, 0x20);
        break;
      default:
        bytes = bytes.slice(0, at);
    }
  }
  return Buffer.from(bytes).toString('latin1');
}

function randomBytes(random: Random, length: number, eotChance: number): string {
  let text = '';
  for (let i = 0; i < length; i++) {
    const byte = random() < eotChance ? 0x04 : Math.floor(random() * 255);
    text += String.fromCharCode(byte === 0x04 && eotChance === 0 ? 0xff : byte);
  }
  return text;
}

/** The byte stream one fuzzer sends: valid, mutated, random (EOT included) and long frames. */
function fuzzStream(random: Random, self: string, member: boolean): string {
  const pieces: string[] = member ? [`login ${self}\x04`] : [];
  for (let i = 0; i < PIECES_PER_FUZZER; i++) {
    const kind = random();
    if (kind < 0.35) pieces.push(`${validFrame(random, self, member)}\x04`);
    else if (kind < 0.75) pieces.push(`${mutate(random, validFrame(random, self, member))}\x04`);
    else if (kind < 0.95) pieces.push(randomBytes(random, Math.floor(random() * 60), 0.05));
    else {
      // Around the limit, and now and then far over it.
      const length = MAX_FRAME_BYTES - 2 + Math.floor(random() * (random() < 0.2 ? 20_000 : 8));
      pieces.push(`${random() < 0.5 ? 'send f0 ' : ''}${randomBytes(random, length, 0)}\x04`);
    }
  }
  pieces.push('\x04');
  return pieces.join('');
}

const isAllowed = (byte: number): boolean => (byte >= 0x20 && byte <= 0x7e) || byte === 0x09 || byte === 0x0a || byte === 0x0d;

interface Expectation {
  /** Status frames the server may answer with; more than one where it hangs on other clients. */
  allowed: string[];
  /** After `status 000 OK`, a contacts frame must follow at once. */
  contacts?: boolean;
  login?: string;
  quits?: boolean;
}

const status = {
  ok: OK,
  online: 'status 001 Online',
  malformed: 'status 100 Malformed Message',
  taken: 'status 101 Username Taken',
  invalid: 'status 102 Username Invalid',
  offline: 'status 103 Offline',
  notOnline: 'status 104 Messaged User Not Online',
  notLoggedIn: 'status 105 Not Logged In',
  already: 'status 106 Already Logged In',
  tooLong: 'status 107 Message Too Long',
  mismatch: 'status 108 Username Mismatch',
};

/**
 * What PROTOCOL.md requires as the answer to `frame` from a connection logged in as `self`
 * (undefined before login). Written from the spec, independently of src/protocol.
 */
function expectFor(frame: string, self: string | undefined): Expectation {
  if (frame.length > MAX_FRAME_BYTES) return { allowed: [status.tooLong] };
  if (frame.length === 0 || ![...frame].every((c) => isAllowed(c.charCodeAt(0)))) return { allowed: [status.malformed] };
  if (frame === 'login' || frame.startsWith('login ')) {
    if (self !== undefined) return { allowed: [status.already] };
    const name = frame.slice(6);
    return NAME.test(name) ? { allowed: [status.ok, status.taken], login: name } : { allowed: [status.invalid] };
  }
  let command: 'get' | 'contact' | 'send' | 'quit' | undefined;
  let argument = '';
  if (frame === 'get contacts') command = 'get';
  else if (frame.startsWith('contact ')) [command, argument] = ['contact', frame.slice(8)];
  else if (frame.startsWith('quit ')) [command, argument] = ['quit', frame.slice(5)];
  else if (frame.startsWith('send ')) {
    const rest = frame.slice(5);
    const space = rest.indexOf(' ');
    if (space <= 0 || space === rest.length - 1) return { allowed: [status.malformed] };
    [command, argument] = ['send', rest.slice(0, space)];
  }
  if (command === undefined) return { allowed: [status.malformed] };
  if (self === undefined) return { allowed: [status.notLoggedIn] };
  // Others come and go while we fuzz: only self and the observer are surely online.
  const surelyOnline = argument === self || argument === 'observer';
  const maybeOnline = NAME.test(argument) && !surelyOnline;
  switch (command) {
    case 'get':
      return { allowed: [status.ok], contacts: true };
    case 'contact':
      return { allowed: surelyOnline ? [status.online] : maybeOnline ? [status.online, status.offline] : [status.offline] };
    case 'send':
      return { allowed: surelyOnline ? [status.ok] : maybeOnline ? [status.ok, status.notOnline] : [status.notOnline] };
    case 'quit':
      return argument === self ? { allowed: [status.ok], quits: true } : { allowed: [status.mismatch] };
  }
}

function splitFrames(stream: string): string[] {
  const frames = stream.split('\x04');
  frames.pop();
  return frames;
}

/** Next frame that is not a `recv`; recv frames may come anywhere and are checked for shape only. */
async function nextAnswer(peer: RawPeer, where: string, recvs?: string[]): Promise<string> {
  for (;;) {
    const frame = await peer.frame().catch((error: Error) => assert.fail(`${where}: ${error.message}`));
    if (!frame.startsWith('recv ')) return frame;
    const [, from] = frame.split(' ');
    assert.match(from ?? '', NAME, `${where}: recv from a bad name: ${JSON.stringify(frame.slice(0, 80))}`);
    recvs?.push(frame);
  }
}

async function checkContacts(peer: RawPeer, self: string, where: string): Promise<void> {
  // Nothing, not even a recv, may come between the 000 and its contacts frame.
  const contacts = await peer.frame().catch((error: Error) => assert.fail(`${where}: ${error.message}`));
  assert.ok(contacts.startsWith('contacts '), `${where}: expected contacts, got ${JSON.stringify(contacts.slice(0, 80))}`);
  const names = contacts.slice('contacts '.length).split(' ');
  assert.ok(names.includes(self) && names.includes('observer'), `${where}: ${contacts}`);
  assert.ok(names.every((name) => NAME.test(name)), `${where}: ${contacts}`);
  assert.deepEqual(names, [...names].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))), where);
}

interface FuzzReport {
  frames: number;
  answered: number;
  quit: boolean;
  answers: Map<string, number>;
}

async function runFuzzer(peer: RawPeer, index: number): Promise<FuzzReport> {
  const random = seededRandom(SEED * 31 + index);
  const name = `f${index}`;
  const stream = fuzzStream(random, name, index < MEMBERS);
  // Written in random slices so frames straddle writes and TCP segments.
  const bytes = Buffer.from(stream, 'latin1');
  for (let offset = 0; offset < bytes.length; ) {
    const size = 1 + Math.floor(random() * 4096);
    peer.write(bytes.subarray(offset, offset + size));
    offset += size;
  }

  let self: string | undefined;
  const frames = splitFrames(stream);
  const report: FuzzReport = { frames: frames.length, answered: 0, quit: false, answers: new Map() };
  for (const [i, frame] of frames.entries()) {
    const where = `seed ${SEED}, ${name}, frame ${i} ${JSON.stringify(frame.slice(0, 60))}`;
    const expectation = expectFor(frame, self);
    const answer = await nextAnswer(peer, where);
    assert.ok(expectation.allowed.includes(answer), `${where}: got ${answer}, expected one of ${expectation.allowed.join(' | ')}`);
    report.answered++;
    report.answers.set(answer, (report.answers.get(answer) ?? 0) + 1);
    if (answer === OK && expectation.login !== undefined) self = expectation.login;
    if (expectation.contacts) await checkContacts(peer, self!, where);
    if (expectation.quits) {
      const rest = await peer.rest();
      assert.deepEqual(rest.frames.filter((f) => !f.startsWith('recv ')), [], `${where}: answers after quit`);
      return { ...report, quit: true };
    }
  }
  // One last round trip: any extra status the server sent would come before its answer.
  const where = `seed ${SEED}, ${name}, final check`;
  peer.send(`contact ${self ?? 'observer'}`);
  assert.equal(await nextAnswer(peer, where), self === undefined ? status.notLoggedIn : status.online, where);
  return report;
}

test('when several clients send thousands of random and mutated frames, then each frame gets its status and a well-behaved client is unaffected (seeded)', { timeout: 30_000 }, async (t) => {
  const { port } = await startServer(t, { maxFrameBytes: MAX_FRAME_BYTES });
  const observer = await loggedIn(port, t, 'observer');
  const fuzzers = await Promise.all(Array.from({ length: MEMBERS + STRANGERS }, () => RawPeer.connect(port, t)));

  let done = false;
  const fuzzing = Promise.all(fuzzers.map((peer, i) => runFuzzer(peer, i))).finally(() => {
    done = true;
  });

  let rounds = 0;
  const recvs: string[] = [];
  while (!done || rounds < 20) {
    const where = `observer round ${rounds}`;
    observer.send('contact observer', `send observer ping ${rounds}`, 'get contacts', 'contact ghost');
    assert.equal(await nextAnswer(observer, where, recvs), status.online, where);
    assert.equal(await nextAnswer(observer, where, recvs), OK, where);
    assert.equal(await nextAnswer(observer, where, recvs), OK, where);
    await checkContacts(observer, 'observer', where);
    assert.equal(await nextAnswer(observer, where, recvs), status.offline, where);
    rounds++;
  }
  const reports = await fuzzing;
  for (const [i, report] of reports.entries()) {
    const answers = [...report.answers].map(([answer, n]) => `${answer.slice(7, 10)}:${n}`).join(' ');
    t.diagnostic(`f${i}: ${report.answered}/${report.frames} frames answered${report.quit ? ', then quit' : ''}; ${answers}`);
  }
  t.diagnostic(`observer: ${rounds} rounds`);
  assert.deepEqual(
    recvs.filter((frame) => frame.startsWith('recv observer ')),
    Array.from({ length: rounds }, (_, i) => `recv observer ping ${i}`),
  );

  // The server is still whole: a fresh client gets the full flow.
  const late = await loggedIn(port, t, 'late');
  assert.deepEqual(await late.request(['send observer bye', 'contact late']), [OK, status.online]);
});
