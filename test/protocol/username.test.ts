import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEFAULT_MAX_FRAME_BYTES } from '../../src/protocol/constants.js';
import { messageProblem } from '../../src/protocol/message-text.js';
import { MAX_USERNAME_LENGTH, isValidUsername, usernameProblem } from '../../src/protocol/username.js';

describe('usernames', () => {
  test('when a name is 1 to 32 characters from A-Z a-z 0-9 _ - ., then it is valid', () => {
    assert.equal(MAX_USERNAME_LENGTH, 32);
    for (const name of ['a', 'Z', '0', '9', '_', '-', '.', 'A'.repeat(32), 'Alice_B-c.9', 'z'.repeat(31)]) {
      assert.equal(isValidUsername(name), true, name);
      assert.equal(usernameProblem(name), undefined, name);
    }
  });

  test('when each allowed character class stands alone in a name, then it is valid', () => {
    const classes = ['ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz', '0123456789', '_', '-', '.'];
    for (const chars of classes) {
      for (const c of chars) assert.equal(isValidUsername(`${c}${c}`), true, c);
    }
  });

  test('when a name is empty or 33 characters, then it is invalid and the problem says why', () => {
    assert.equal(isValidUsername(''), false);
    assert.equal(usernameProblem(''), 'a username cannot be empty');
    assert.equal(isValidUsername('a'.repeat(33)), false);
    assert.equal(usernameProblem('a'.repeat(33)), 'a username has at most 32 characters (this one has 33)');
  });

  test('when a name holds any other character, then it is invalid', () => {
    const allowed = /[A-Za-z0-9_.-]/;
    for (let code = 0; code < 0x180; code++) {
      const c = String.fromCharCode(code);
      if (allowed.test(c)) continue;
      for (const name of [c, `a${c}`, `${c}a`, `a${c}b`]) {
        assert.equal(isValidUsername(name), false, JSON.stringify(name));
        assert.equal(usernameProblem(name), 'a username may hold only letters, digits, "_", "-" and "."');
      }
    }
    // A trailing newline must not slip past an end-of-input anchor.
    assert.equal(isValidUsername('bob\n'), false);
    assert.equal(isValidUsername('😀'), false);
  });
});

describe('messageProblem', () => {
  test('when the message is printable ASCII with TAB, LF and CR, then there is no problem', () => {
    assert.equal(messageProblem('bob', ' hi\tthere\r\n '), undefined);
  });

  test('when the message is empty, then the problem says so', () => {
    assert.equal(messageProblem('bob', ''), 'the message is empty: give some text to send');
  });

  test('when the message holds a byte the protocol cannot carry, then the problem names it and where', () => {
    assert.equal(
      messageProblem('bob', 'ab\x04'),
      'the message holds EOT (0x04) at character 3, which the Sup protocol cannot carry: use printable ASCII, TAB, LF or CR only',
    );
    assert.match(messageProblem('bob', 'café') ?? '', /"é" \(U\+00E9\) at character 4/);
    assert.match(messageProblem('bob', '\x00') ?? '', /control byte 0x00 at character 1/);
  });

  test('when `send <to> <message>` is exactly at the frame limit, then it fits; one byte more, then it is too long', () => {
    const room = DEFAULT_MAX_FRAME_BYTES - 'send bob '.length;
    assert.equal(messageProblem('bob', 'x'.repeat(room)), undefined);
    assert.equal(
      messageProblem('bob', 'x'.repeat(room + 1)),
      `the message is too long: it makes a ${DEFAULT_MAX_FRAME_BYTES + 1}-byte frame and the limit is ${DEFAULT_MAX_FRAME_BYTES} bytes`,
    );
    assert.equal(messageProblem('ab', 'x'.repeat(100 - 'send ab '.length), 100), undefined);
    assert.match(messageProblem('ab', 'x'.repeat(101 - 'send ab '.length), 100) ?? '', /101-byte frame and the limit is 100/);
  });
});
