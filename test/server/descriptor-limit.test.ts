import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DESCRIPTOR_RESERVE, fitConnectionsToDescriptors, openFilesSoftLimit } from '../../src/server/descriptor-limit.js';
import { recordingLogger } from './start-server.js';

const LIMITS = (soft: string, hard: string): string =>
  [
    'Limit                     Soft Limit           Hard Limit           Units     ',
    'Max processes             63704                63704                processes ',
    `Max open files            ${soft.padEnd(20)} ${hard.padEnd(20)} files     `,
  ].join('\n');

describe('descriptor limit', () => {
  test('when /proc/self/limits gives a soft limit, then it is read; unlimited, unreadable or missing gives undefined', () => {
    assert.equal(openFilesSoftLimit(() => LIMITS('1024', '524288')), 1024);
    assert.equal(openFilesSoftLimit(() => LIMITS('unlimited', 'unlimited')), undefined);
    assert.equal(openFilesSoftLimit(() => 'Max processes 5 5 processes'), undefined);
    assert.equal(
      openFilesSoftLimit(() => {
        throw Object.assign(new Error('no such file'), { code: 'ENOENT' });
      }),
      undefined,
    );
  });

  test('when max connections and the reserve fit under the limit, then nothing changes and nothing is logged', () => {
    const { logger, events } = recordingLogger();
    assert.equal(fitConnectionsToDescriptors(10_000, logger, 10_000 + DESCRIPTOR_RESERVE), 10_000);
    assert.equal(fitConnectionsToDescriptors(10_000, logger, undefined), 10_000);
    assert.deepEqual(events, []);
  });

  test('when they do not fit, then the limit is lowered to fit, with one warning naming the numbers and the fix', () => {
    const { logger, events } = recordingLogger();
    assert.equal(fitConnectionsToDescriptors(10_000, logger, 1024), 1024 - DESCRIPTOR_RESERVE);
    assert.equal(events.length, 1);
    assert.equal(events[0]!.level, 'warn');
    assert.equal(events[0]!.event, 'max-connections-lowered');
    assert.deepEqual({ ...events[0]!.fields, fix: undefined }, {
      maxConnections: 10_000,
      effectiveMaxConnections: 1024 - DESCRIPTOR_RESERVE,
      openFilesLimit: 1024,
      reserve: DESCRIPTOR_RESERVE,
      fix: undefined,
    });
    assert.match(String(events[0]!.fields.fix), /ulimit -n 10064.*--max-connections/);
    // Even an absurdly low limit leaves one connection, so the server still starts.
    assert.equal(fitConnectionsToDescriptors(10, logger, 20), 1);
  });
});
