import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ClientCommand, ClientFrameScanner, encodeClientFrame, parseClientFrame, type ClientFrame } from '../../src/protocol/client-frames.js';
import { describeChar, hasOnlyAllowedBytes, indexOfForbiddenChar } from '../../src/protocol/frame-bytes.js';
import { seededRandom } from './seeded-random.js';

const parse = (text: string): ClientFrame => parseClientFrame(Buffer.from(text, 'latin1'));

/** The parsed frame with `message` shown as latin1 text, for deepEqual. */
function parsed(text: string): Record<string, unknown> {
  const frame = parse(text);
  return frame.type === 'send' ? { ...frame, message: frame.message.toString('latin1') } : { ...frame };
}

const ALLOWED_CONTROL = [0x09, 0x0a, 0x0d];
const FORBIDDEN: number[] = [];
for (let byte = 0; byte < 256; byte++) {
  if (!(byte >= 0x20 && byte <= 0x7e) && !ALLOWED_CONTROL.includes(byte)) FORBIDDEN.push(byte);
}

describe('parseClientFrame', () => {
  test('when a frame is each command shape of PROTOCOL.md, then it parses to its typed form', () => {
    assert.deepEqual(parsed('login bob'), { type: 'login', username: 'bob' });
    assert.deepEqual(parsed('get contacts'), { type: 'get-contacts' });
    assert.deepEqual(parsed('contact alice'), { type: 'contact', username: 'alice' });
    assert.deepEqual(parsed('send bob hello there'), { type: 'send', to: 'bob', message: 'hello there' });
    assert.deepEqual(parsed('quit bob'), { type: 'quit', username: 'bob' });
  });

  test('when login has no name, an empty one or a bad one, then it still parses as login (the server answers 102)', () => {
    assert.deepEqual(parsed('login'), { type: 'login', username: '' });
    assert.deepEqual(parsed('login '), { type: 'login', username: '' });
    assert.deepEqual(parsed('login a b'), { type: 'login', username: 'a b' });
    assert.deepEqual(parsed('login bob!'), { type: 'login', username: 'bob!' });
    assert.deepEqual(parsed('login  bob'), { type: 'login', username: ' bob' });
    assert.deepEqual(parsed(`login ${'a'.repeat(33)}`), { type: 'login', username: 'a'.repeat(33) });
  });

  test('when contact or quit name something that is not a valid username, then the name is kept as given', () => {
    assert.deepEqual(parsed('contact no such!'), { type: 'contact', username: 'no such!' });
    assert.deepEqual(parsed('quit other'), { type: 'quit', username: 'other' });
  });

  test('when a send message has leading, trailing and inner spaces, TAB, LF and CR, then it is kept byte for byte', () => {
    const message = '  a \t b\n\r c  ';
    assert.deepEqual(parsed(`send bob ${message}`), { type: 'send', to: 'bob', message });
    assert.deepEqual(parsed('send bob  '), { type: 'send', to: 'bob', message: ' ' });
    assert.deepEqual(parsed('send bob x'), { type: 'send', to: 'bob', message: 'x' });
  });

  test('when the message of a send is missing or empty, then it is malformed', () => {
    for (const text of ['send', 'send ', 'send bob', 'send bob ', 'send  hi', 'send  ']) {
      assert.deepEqual(parsed(text), { type: 'malformed' }, JSON.stringify(text));
    }
  });

  test('when a frame is empty, unknown, uppercase or wrongly spaced, then it is malformed', () => {
    const malformed = [
      '',
      ' ',
      'hello',
      'LOGIN bob',
      'Login bob',
      'GET CONTACTS',
      'Get contacts',
      'get',
      'get ',
      'get contact',
      'get contacts ',
      'get  contacts',
      ' get contacts',
      'contacts',
      'contacts bob',
      'contact',
      'CONTACT bob',
      'SEND bob hi',
      'quit',
      'QUIT bob',
      'logout bob',
      'loginbob',
      ' login bob',
      'status 000 OK',
      'recv bob hi',
    ];
    for (const text of malformed) assert.deepEqual(parsed(text), { type: 'malformed' }, JSON.stringify(text));
  });

  test('when a frame holds any forbidden byte, then it is malformed whatever its command', () => {
    for (const byte of FORBIDDEN) {
      const c = String.fromCharCode(byte);
      for (const text of [`login bo${c}b`, `send bob a${c}b`, `get contacts${c}`, `contact ${c}`, `quit ${c}bob`, c]) {
        assert.deepEqual(parsed(text), { type: 'malformed' }, `byte 0x${byte.toString(16)} in ${JSON.stringify(text)}`);
      }
    }
  });

  test('when a message holds every allowed byte, then the send parses with all of them', () => {
    let message = '\t\n\r';
    for (let byte = 0x20; byte <= 0x7e; byte++) message += String.fromCharCode(byte);
    assert.deepEqual(parsed(`send bob ${message}`), { type: 'send', to: 'bob', message });
  });

  test('when the message is a view of the frame, then it holds exactly the message bytes', () => {
    const frame = Buffer.from('send bob hi there', 'latin1');
    const command = parseClientFrame(frame);
    assert.equal(command.type, 'send');
    if (command.type === 'send') assert.deepEqual(command.message, Buffer.from('hi there', 'latin1'));
  });
});

describe('ClientFrameScanner', () => {
  const TYPE_OF: Record<ClientCommand, ClientFrame['type']> = {
    [ClientCommand.Malformed]: 'malformed',
    [ClientCommand.Login]: 'login',
    [ClientCommand.GetContacts]: 'get-contacts',
    [ClientCommand.Contact]: 'contact',
    [ClientCommand.Send]: 'send',
    [ClientCommand.Quit]: 'quit',
  };

  /** What scan() says of `text` placed inside other bytes, in parseClientFrame's shape. */
  function scanned(text: string, before: string, after: string): Record<string, unknown> {
    const buffer = Buffer.from(`${before}${text}${after}`, 'latin1');
    const start = before.length;
    const end = start + text.length;
    const scanner = new ClientFrameScanner();
    const type = TYPE_OF[scanner.scan(buffer, start, end)];
    const slice = (from: number, to: number): string => buffer.toString('latin1', from, to);
    switch (type) {
      case 'login':
      case 'contact':
      case 'quit':
        return { type, username: slice(scanner.argumentStart, end) };
      case 'send':
        return { type, to: slice(scanner.argumentStart, scanner.messageStart - 1), message: slice(scanner.messageStart, end) };
      default:
        return { type };
    }
  }

  test('when a frame lies inside a larger buffer, then scan() reads only its range (bytes around it never count)', () => {
    // What follows the range would complete these frames if the scanner read past its end.
    const cases: Array<[string, string]> = [
      ['send bob', ' hi'],
      ['send bob ', 'hi'],
      ['send', ' bob hi'],
      ['login', 'x bob'],
      ['get contact', 's'],
      ['quit', ' bob'],
      ['contact', ' bob'],
      ['', 'login bob'],
      ['send bob hi', '\x00\xff'],
    ];
    for (const [text, after] of cases) {
      assert.deepEqual(scanned(text, 'send x y\x04', after), parsed(text), JSON.stringify([text, after]));
    }
  });

  test('when random and mutated frames are scanned in place, then every one reads as parseClientFrame reads it (seeded)', () => {
    const random = seededRandom(42);
    const shapes = ['login bob', 'login', 'get contacts', 'contact al', 'send bob hi there', 'send bob  ', 'quit bob', 'send  x'];
    const alphabet = ' \t\n\rabsendlogincontactquitget\x00\x7f\x80\xff\x04';
    for (let i = 0; i < 5000; i++) {
      let text = shapes[Math.floor(random() * shapes.length)]!;
      for (let edits = Math.floor(random() * 4); edits > 0; edits--) {
        const at = Math.floor(random() * (text.length + 1));
        const c = alphabet[Math.floor(random() * alphabet.length)]!;
        text = random() < 0.5 ? text.slice(0, at) + c + text.slice(at) : text.slice(0, at) + text.slice(at + 1);
      }
      const noise = (): string => alphabet.slice(0, Math.floor(random() * 6));
      assert.deepEqual(scanned(text, noise(), noise()), parsed(text), JSON.stringify(text));
    }
  });
});

describe('encodeClientFrame', () => {
  test('when each client frame is encoded, then the bytes are the frame text and one EOT', () => {
    const latin1 = (bytes: Buffer): string => bytes.toString('latin1');
    assert.equal(latin1(encodeClientFrame.login('bob')), 'login bob\x04');
    assert.equal(latin1(encodeClientFrame.getContacts()), 'get contacts\x04');
    assert.equal(latin1(encodeClientFrame.contact('alice')), 'contact alice\x04');
    assert.equal(latin1(encodeClientFrame.send('alice', ' hi\tthere\r\n ')), 'send alice  hi\tthere\r\n \x04');
    assert.equal(latin1(encodeClientFrame.quit('bob')), 'quit bob\x04');
  });

  test('when an encoded frame is parsed back (EOT removed), then the same command comes back', () => {
    const strip = (bytes: Buffer): string => bytes.subarray(0, -1).toString('latin1');
    assert.deepEqual(parsed(strip(encodeClientFrame.login('a.b-c_9'))), { type: 'login', username: 'a.b-c_9' });
    assert.deepEqual(parsed(strip(encodeClientFrame.getContacts())), { type: 'get-contacts' });
    assert.deepEqual(parsed(strip(encodeClientFrame.contact('x'))), { type: 'contact', username: 'x' });
    assert.deepEqual(parsed(strip(encodeClientFrame.send('x', ' m '))), { type: 'send', to: 'x', message: ' m ' });
    assert.deepEqual(parsed(strip(encodeClientFrame.quit('x'))), { type: 'quit', username: 'x' });
  });
});

describe('frame bytes', () => {
  test('when bytes are printable ASCII, TAB, LF or CR, then they are allowed; any other byte is not', () => {
    for (let byte = 0; byte < 256; byte++) {
      assert.equal(hasOnlyAllowedBytes(Uint8Array.of(0x61, byte, 0x62)), !FORBIDDEN.includes(byte), `0x${byte.toString(16)}`);
    }
    assert.equal(hasOnlyAllowedBytes(new Uint8Array(0)), true);
  });

  test('when a range is given, then only the bytes inside it are checked', () => {
    const bytes = Uint8Array.of(0x00, 0x61, 0x62, 0xff);
    assert.equal(hasOnlyAllowedBytes(bytes, 1, 3), true);
    assert.equal(hasOnlyAllowedBytes(bytes, 0, 3), false);
    assert.equal(hasOnlyAllowedBytes(bytes, 1, 4), false);
    assert.equal(hasOnlyAllowedBytes(bytes, 2, 2), true);
  });

  test('when text holds a character that cannot travel, then its index is found', () => {
    assert.equal(indexOfForbiddenChar('plain text\t\r\n'), -1);
    assert.equal(indexOfForbiddenChar('ab\x04'), 2);
    assert.equal(indexOfForbiddenChar('café'), 3);
    assert.equal(indexOfForbiddenChar('\x7f'), 0);
    assert.equal(indexOfForbiddenChar('😀'), 0);
  });

  test('when a forbidden character is described, then the words name it', () => {
    assert.equal(describeChar('a\x04', 1), 'EOT (0x04)');
    assert.equal(describeChar('\x00', 0), 'control byte 0x00');
    assert.equal(describeChar('\x7f', 0), 'control byte 0x7F');
    assert.equal(describeChar('é', 0), '"é" (U+00E9)');
    assert.equal(describeChar('😀', 0), '"😀" (U+1F600)');
  });
});
