import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SupInvalidArgumentError } from '../../src/client/errors.js';
import { CLIENT_DEFAULTS, RECONNECT_DEFAULTS, resolveClientOptions } from '../../src/client/options.js';
import { SupClient } from '../../src/client/sup-client.js';

function refused(argument: string): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof SupInvalidArgumentError, String(error));
    assert.equal(error.code, 'SUP_INVALID_ARGUMENT');
    assert.equal(error.argument, argument);
    return true;
  };
}

test('when only a username is given, then the documented defaults apply', () => {
  const resolved = resolveClientOptions({ username: 'alice' });
  assert.equal(resolved.host, '127.0.0.1');
  assert.equal(resolved.port, 7877);
  assert.deepEqual(resolved.reconnect, { ...RECONNECT_DEFAULTS });
  assert.equal(resolved.maxInFlight, CLIENT_DEFAULTS.maxInFlight);
  assert.equal(resolved.maxFrameBytes, 16_384);
  assert.equal(resolved.onReconnect, 'resend');
  assert.equal(resolved.reconnect && resolved.reconnect.maxAttempts, Infinity);
});

test('when reconnect is false or partly given, then it is off or filled in', () => {
  assert.equal(resolveClientOptions({ username: 'a', reconnect: false }).reconnect, false);
  const partial = resolveClientOptions({ username: 'a', reconnect: { initialDelayMs: 10, maxAttempts: 3 } }).reconnect;
  assert.ok(partial);
  assert.equal(partial.initialDelayMs, 10);
  assert.equal(partial.maxAttempts, 3);
  assert.equal(partial.maxDelayMs, RECONNECT_DEFAULTS.maxDelayMs);
});

test('when the username is invalid, then the constructor refuses it with the reason', () => {
  assert.throws(() => new SupClient({ username: 'has space' }), refused('username'));
  assert.throws(() => new SupClient({ username: '' }), /cannot be empty/);
  assert.throws(() => new SupClient({ username: 'x'.repeat(33) }), /at most 32/);
});

test('when a numeric option is out of range, then it is refused naming the option', () => {
  assert.throws(() => resolveClientOptions({ username: 'a', port: 0 }), refused('port'));
  assert.throws(() => resolveClientOptions({ username: 'a', maxInFlight: 0 }), refused('maxInFlight'));
  assert.throws(() => resolveClientOptions({ username: 'a', requestTimeoutMs: -1 }), refused('requestTimeoutMs'));
  assert.throws(() => resolveClientOptions({ username: 'a', reconnect: { multiplier: 0.5 } }), refused('reconnect.multiplier'));
  assert.throws(
    () => resolveClientOptions({ username: 'a', reconnect: { initialDelayMs: 500, maxDelayMs: 100 } }),
    refused('reconnect.maxDelayMs'),
  );
  assert.throws(
    () => resolveClientOptions({ username: 'a', onReconnect: 'drop' as 'reject' }),
    refused('onReconnect'),
  );
  assert.equal(resolveClientOptions({ username: 'a', requestTimeoutMs: Infinity }).requestTimeoutMs, Infinity);
});
