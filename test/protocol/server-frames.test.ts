import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodeContacts, encodeRecv, encodeStatus, parseServerFrame } from '../../src/protocol/server-frames.js';
import { STATUS_TEXT, Status, isStatusCode, isSuccessStatus, type StatusCode } from '../../src/protocol/status.js';

const parse = (text: string): ReturnType<typeof parseServerFrame> => parseServerFrame(Buffer.from(text, 'latin1'));

// Transcribed from PROTOCOL.md ("Status codes"): every seed and extension code with its exact text.
const PROTOCOL_STATUS_TABLE: Record<string, string> = {
  '000': 'OK',
  '001': 'Online',
  '100': 'Malformed Message',
  '101': 'Username Taken',
  '102': 'Username Invalid',
  '103': 'Offline',
  '104': 'Messaged User Not Online',
  '105': 'Not Logged In',
  '106': 'Already Logged In',
  '107': 'Message Too Long',
  '108': 'Username Mismatch',
  '109': 'Not Authorized',
  '200': 'Internal Error',
  '201': 'Server Full',
};

describe('status table', () => {
  test('when compared with PROTOCOL.md, then every code and text matches exactly, none missing or extra', () => {
    assert.deepEqual({ ...STATUS_TEXT }, PROTOCOL_STATUS_TABLE);
  });

  test('when a status is encoded, then the bytes are `status <code> <text>` and EOT', () => {
    for (const [code, text] of Object.entries(PROTOCOL_STATUS_TABLE)) {
      assert.equal(encodeStatus(code as StatusCode).toString('latin1'), `status ${code} ${text}\x04`);
    }
  });

  test('when the named codes are read, then each names its code', () => {
    assert.deepEqual(
      { ...Status },
      {
        Ok: '000',
        Online: '001',
        Malformed: '100',
        UsernameTaken: '101',
        UsernameInvalid: '102',
        Offline: '103',
        UserNotOnline: '104',
        NotLoggedIn: '105',
        AlreadyLoggedIn: '106',
        MessageTooLong: '107',
        UsernameMismatch: '108',
        NotAuthorized: '109',
        InternalError: '200',
        ServerFull: '201',
      },
    );
  });

  test('when a code is checked, then only table codes are status codes and only 0xx are success', () => {
    for (const code of Object.keys(PROTOCOL_STATUS_TABLE)) assert.equal(isStatusCode(code), true, code);
    for (const code of ['002', '110', '202', '300', '00', '0000', 'toString', 'constructor', '']) {
      assert.equal(isStatusCode(code), false, code);
    }
    assert.equal(isSuccessStatus('000'), true);
    assert.equal(isSuccessStatus('001'), true);
    assert.equal(isSuccessStatus('100'), false);
    assert.equal(isSuccessStatus('201'), false);
  });
});

describe('parseServerFrame', () => {
  test('when a status frame is read, then its code and text come back', () => {
    assert.deepEqual(parse('status 000 OK'), { type: 'status', code: '000', text: 'OK' });
    assert.deepEqual(parse('status 104 Messaged User Not Online'), {
      type: 'status',
      code: '104',
      text: 'Messaged User Not Online',
    });
    // A code outside the table still parses: a newer server may know more codes.
    assert.deepEqual(parse('status 999 Something New'), { type: 'status', code: '999', text: 'Something New' });
  });

  test('when a contacts frame is read, then the names come back in order', () => {
    assert.deepEqual(parse('contacts alice bob carol'), { type: 'contacts', usernames: ['alice', 'bob', 'carol'] });
    assert.deepEqual(parse('contacts me'), { type: 'contacts', usernames: ['me'] });
    assert.deepEqual(parse('contacts'), { type: 'contacts', usernames: [] });
  });

  test('when a recv frame is read, then the sender and the text byte for byte come back', () => {
    assert.deepEqual(parse('recv bob hello world'), { type: 'recv', from: 'bob', text: 'hello world' });
    assert.deepEqual(parse('recv bob  lead\tand\r\ntrail '), { type: 'recv', from: 'bob', text: ' lead\tand\r\ntrail ' });
    assert.deepEqual(parse('recv bob '), { type: 'recv', from: 'bob', text: '' });
  });

  test('when a frame is not a known server frame, then it comes back as unknown, never thrown', () => {
    for (const text of [
      '',
      'hello',
      'status',
      'status ',
      'status 000',
      'status 00 OK',
      'status abc OK',
      'status 0000 OK',
      'STATUS 000 OK',
      'recv',
      'recv bob',
      'recv  hi',
      'contactsbob',
    ]) {
      assert.deepEqual(parse(text), { type: 'unknown', frame: text }, JSON.stringify(text));
    }
  });
});

describe('server frame encoders', () => {
  test('when a recv is encoded, then the message bytes are copied exactly after `recv <from> `', () => {
    const message = Buffer.from('  a\tb\r\nc  ', 'latin1');
    assert.equal(encodeRecv('alice', message).toString('latin1'), 'recv alice   a\tb\r\nc  \x04');
    assert.equal(encodeRecv('a', Uint8Array.of(0x78)).toString('latin1'), 'recv a x\x04');
  });

  test('when contacts are encoded, then names are joined by single spaces and end in EOT', () => {
    assert.equal(encodeContacts(['Zed', 'alice', 'bob']).toString('latin1'), 'contacts Zed alice bob\x04');
    assert.equal(encodeContacts(['solo']).toString('latin1'), 'contacts solo\x04');
  });

  test('when encoded server frames are parsed back, then the same values come back', () => {
    const strip = (bytes: Buffer): Buffer => bytes.subarray(0, -1);
    assert.deepEqual(parseServerFrame(strip(encodeStatus('201'))), { type: 'status', code: '201', text: 'Server Full' });
    assert.deepEqual(parseServerFrame(strip(encodeRecv('x', Buffer.from(' y ')))), { type: 'recv', from: 'x', text: ' y ' });
    assert.deepEqual(parseServerFrame(strip(encodeContacts(['a', 'b']))), { type: 'contacts', usernames: ['a', 'b'] });
  });
});
