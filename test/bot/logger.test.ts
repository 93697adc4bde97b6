import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { childLogger, createLineLogger } from '../../src/bot/logger.js';

const now = (): Date => new Date('2025-01-02T03:04:05.678Z');

describe('createLineLogger', () => {
  test('when the format is text, then each event is one line with quoted values', () => {
    const lines: string[] = [];
    const logger = createLineLogger((line) => lines.push(line), 'text', { now });
    logger.warn('loop-guard', { to: 'alice', text: 'two\nlines', count: 11, skipped: undefined });
    assert.deepEqual(lines, ['2025-01-02T03:04:05.678Z warn loop-guard to=alice text="two\\nlines" count=11']);
  });

  test('when an error is logged as text, then its message and code appear', () => {
    const lines: string[] = [];
    const logger = createLineLogger((line) => lines.push(line), 'text', { now });
    logger.error('handler-failed', { error: Object.assign(new Error('boom'), { code: 'E_X' }) });
    assert.deepEqual(lines, ['2025-01-02T03:04:05.678Z error handler-failed error="boom (E_X)"']);
  });

  test('when the format is json, then each line parses with time, level, event and fields', () => {
    const lines: string[] = [];
    const logger = childLogger(createLineLogger((line) => lines.push(line), 'json', { now }), { plugin: 'echo' });
    logger.error('handler-failed', { from: 'bob', error: new TypeError('bad') });
    assert.equal(lines.length, 1);
    const record = JSON.parse(lines[0]!);
    assert.equal(record.time, '2025-01-02T03:04:05.678Z');
    assert.equal(record.level, 'error');
    assert.equal(record.event, 'handler-failed');
    assert.equal(record.plugin, 'echo');
    assert.equal(record.from, 'bob');
    assert.equal(record.error.name, 'TypeError');
    assert.equal(record.error.message, 'bad');
  });

  test('when a field cannot be turned into JSON, then the line is still written', () => {
    const lines: string[] = [];
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    createLineLogger((line) => lines.push(line), 'json', { now }).info('odd', { cyclic });
    assert.equal(JSON.parse(lines[0]!).event, 'odd');
  });
});
