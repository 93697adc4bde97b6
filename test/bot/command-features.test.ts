import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { definePlugin, PluginSetupError } from 'sup';
import { createTestBot } from 'sup/testing';

const ops = definePlugin({
  name: 'ops',
  setup(ctx) {
    ctx.command('deploy', { summary: 'Deploy a version', usage: '<version>', admin: true }, ({ argv }) => `Deploying ${argv[0]}.`);
    ctx.command({
      name: 'roll',
      summary: 'Roll dice',
      usage: '<count>d<sides>',
      pattern: /^(?<count>\d{1,2})d(?<sides>\d{1,3})$/,
      examples: [{ send: 'roll 2d6', reply: 'Rolling 2 dice with 6 sides.' }, { send: 'roll lots', reply: 'Usage: roll <count>d<sides>' }],
      run: ({ match }) => `Rolling ${match?.groups?.count} dice with ${match?.groups?.sides} sides.`,
    });
    ctx.command({ name: 'Exact', summary: 'Only as written', caseSensitive: true, run: () => 'exact' });
    ctx.command({
      name: 'note',
      summary: 'Save a note',
      usage: '<text...>',
      examples: [
        { send: 'note buy milk', reply: 'Saved.' },
        { send: 'note', reply: /^Usage: / },
        { send: 'note x', reply: [] },
      ],
      run: ({ args }) => (args === 'x' ? undefined : 'Saved.'),
    });
  },
});

describe('who may run a command, and how it is matched', () => {
  test('when a command is admin-only, then admins run it and others get a clear refusal', async (t) => {
    const bot = await createTestBot({ plugins: [ops], admins: ['alice'] });
    t.after(() => bot.close());
    assert.deepEqual(await bot.user('alice').ask('deploy 1.2'), ['Deploying 1.2.']);
    assert.deepEqual(await bot.user('mallory').ask('deploy 1.2'), ['Sorry, "deploy" is only for this bot\'s admins.']);
    const refused = bot.logs.find((entry) => entry.event === 'command-refused');
    assert.deepEqual([refused?.fields.command, refused?.fields.from], ['deploy', 'mallory']);
  });

  test('when no admins are configured, then an admin command refuses everyone', async (t) => {
    const bot = await createTestBot({ plugins: [ops] });
    t.after(() => bot.close());
    assert.deepEqual(await bot.user('alice').ask('deploy 1.2'), ['Sorry, "deploy" is only for this bot\'s admins.']);
  });

  test('when the command word is typed in another case, then it still matches, unless the command opts out', async (t) => {
    const bot = await createTestBot({ plugins: [ops] });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    assert.deepEqual(await alice.ask('NOTE buy milk'), ['Saved.']);
    assert.deepEqual(await alice.ask('Help roll'), [
      'roll <count>d<sides> - Roll dice\nExamples:\n  roll 2d6\n    -> Rolling 2 dice with 6 sides.\n  roll lots\n    -> Usage: roll <count>d<sides>',
    ]);
    assert.deepEqual(await alice.ask('Exact'), ['exact']);
    const [reply] = await alice.ask('exact');
    assert.match(reply!, /^Sorry, I don't know "exact"\. The closest command is "Exact"\./);
  });

  test('when a pattern captures the arguments, then the handler gets the match and a mismatch gets the usage', async (t) => {
    const bot = await createTestBot({ plugins: [ops] });
    t.after(() => bot.close());
    await bot.runExamples();
  });

  test('when two commands differ only in case, then the second is refused at setup unless both are case-sensitive', async () => {
    const clash = definePlugin({
      name: 'clash',
      setup(ctx) {
        ctx.command({ name: 'note', summary: 'a', run: () => 'a' });
        ctx.command({ name: 'NOTE', summary: 'b', caseSensitive: true, run: () => 'b' });
      },
    });
    const error = await createTestBot({ plugins: [clash] }).catch((e: unknown) => e);
    assert.ok(error instanceof PluginSetupError);
    assert.match(error.message, /registers the command "NOTE"/);

    const both = definePlugin({
      name: 'both',
      setup(ctx) {
        ctx.command({ name: 'a', summary: 'lower', caseSensitive: true, run: () => 'lower' });
        ctx.command({ name: 'A', summary: 'upper', caseSensitive: true, run: () => 'upper' });
      },
    });
    const bot = await createTestBot({ plugins: [both] });
    try {
      assert.deepEqual(await bot.user('alice').ask('A'), ['upper']);
      assert.deepEqual(await bot.user('alice').ask('a'), ['lower']);
    } finally {
      await bot.close();
    }
  });
});

describe('help and the fallback reply', () => {
  test('when help names a command, then each example shows with its expected reply', async (t) => {
    const bot = await createTestBot({ plugins: [ops] });
    t.after(() => bot.close());
    assert.deepEqual(await bot.user('alice').ask('help note'), [
      [
        'note <text...> - Save a note',
        'Examples:',
        '  note buy milk',
        '    -> Saved.',
        '  note',
        '    -> (a reply matching /^Usage: /)',
        '  note x',
        '    -> (no reply)',
      ].join('\n'),
    ]);
    const [index] = await bot.user('alice').ask('help');
    assert.match(index!, /^ {2}deploy <version> - Deploy a version \(admins only\)$/m);
  });

  test('when nothing handles a message, then the sender is told the closest command and help', async (t) => {
    const bot = await createTestBot({ plugins: [ops] });
    t.after(() => bot.close());
    assert.deepEqual(await bot.user('alice').ask('nots to self'), [
      'Sorry, I don\'t know "nots". The closest command is "note". Send "help" for the list of commands.',
    ]);
  });

  test('when a plugin hears everything, then nothing falls through to the fallback', async (t) => {
    const all = definePlugin({
      name: 'all',
      setup(ctx) {
        ctx.hear(/[^]*/, () => {});
      },
    });
    const bot = await createTestBot({ plugins: [ops, all] });
    t.after(() => bot.close());
    assert.deepEqual(await bot.user('alice').ask('nots to self'), []);
  });

  test('when the bot turns the fallback off, then an unhandled message gets no reply', async (t) => {
    const bot = await createTestBot({ plugins: [ops], fallback: false });
    t.after(() => bot.close());
    assert.deepEqual(await bot.user('alice').ask('nots to self'), []);
  });
});
