import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CommandRegistry, commandSpecProblem, helpFor, helpIndex, parseUsage, splitCommand } from '../../src/bot/commands.js';
import type { CommandSpec } from '../../src/bot/plugin.js';

const spec = (overrides: Partial<CommandSpec>): CommandSpec => ({ name: 'roll', summary: 'Roll dice', run: () => '4', ...overrides });

describe('parseUsage', () => {
  test('when usage names required and optional arguments, then the arity counts them', () => {
    assert.deepEqual(parseUsage('<sides> [count]'), { min: 1, max: 2 });
    assert.deepEqual(parseUsage(undefined), { min: 0, max: 0 });
    assert.deepEqual(parseUsage(''), { min: 0, max: 0 });
  });

  test('when usage ends with ..., then any number more is allowed', () => {
    assert.deepEqual(parseUsage('<to> <words...>'), { min: 2, max: Number.POSITIVE_INFINITY });
    assert.deepEqual(parseUsage('[text...]'), { min: 0, max: Number.POSITIVE_INFINITY });
    assert.deepEqual(parseUsage('<name> ...'), { min: 1, max: Number.POSITIVE_INFINITY });
  });

  test('when usage has anything else, then it is not understood', () => {
    assert.equal(parseUsage('sides count'), undefined);
    assert.equal(parseUsage('<sides'), undefined);
  });
});

describe('splitCommand', () => {
  test('when a message has a command word and arguments, then they are split on whitespace', () => {
    assert.deepEqual(splitCommand('roll 6  2'), { word: 'roll', args: '6  2', argv: ['6', '2'] });
    assert.deepEqual(splitCommand('  /who'), { word: '/who', args: '', argv: [] });
    assert.deepEqual(splitCommand('say\thello world '), { word: 'say', args: 'hello world ', argv: ['hello', 'world'] });
  });
});

describe('commandSpecProblem', () => {
  test('when a spec is complete, then there is no problem', () => {
    assert.equal(commandSpecProblem(spec({ aliases: ['r'], usage: '<sides>', examples: ['roll 6', { send: 'roll 6', reply: /\d/ }] })), undefined);
  });

  test('when a spec is broken, then the problem names the command and what to fix', () => {
    assert.match(commandSpecProblem(spec({ name: 'two words' })) ?? '', /one word/);
    assert.match(commandSpecProblem(spec({ summary: '' })) ?? '', /"roll" needs a one-line "summary"/);
    assert.match(commandSpecProblem({ name: 'roll', summary: 's' }) ?? '', /needs a "run\(message\)" function/);
    assert.match(commandSpecProblem(spec({ usage: 'sides' })) ?? '', /<required> or \[optional\]/);
    assert.match(commandSpecProblem(spec({ examples: [{ send: '' }] })) ?? '', /non-empty "send"/);
    assert.match(commandSpecProblem(spec({ examples: [{ send: 'roll 6', reply: 4 as never }] })) ?? '', /"reply" must be/);
  });
});

describe('CommandRegistry and help', () => {
  test('when a name or alias is taken, then the clash and its owner are reported', () => {
    const registry = new CommandRegistry();
    assert.equal(registry.add(spec({ aliases: ['r'] }), 'dice'), undefined);
    assert.deepEqual(registry.add(spec({ name: 'r' }), 'other'), { clash: 'r', owner: 'dice' });
    assert.equal(registry.lookup('r')?.plugin, 'dice');
  });

  test('when help is built, then it lists every command with usage and summary, and details one', () => {
    const registry = new CommandRegistry();
    registry.add(spec({ usage: '<sides> [count]', aliases: ['r'], examples: ['roll 6'] }), 'dice');
    registry.add({ name: '/who', summary: 'List members', run: () => undefined }, 'relay');
    assert.equal(
      helpIndex(registry.list(), 'help'),
      'Commands:\n  roll <sides> [count] - Roll dice\n  /who - List members\nType "help <command>" for details.',
    );
    assert.equal(helpFor(registry.lookup('r')!), 'roll <sides> [count] - Roll dice\nAliases: r\nExamples:\n  roll 6');
  });
});
