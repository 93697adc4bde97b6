import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import relay from '../../bots/relay.js';
import { createTestBot } from '../../src/testing/index.js';

describe('the relay bot', () => {
  test('when a member writes, then every other online member gets it, the sender is told once who was offline', async (t) => {
    const bot = await createTestBot({ plugins: [relay], options: { relay: { members: ['alice', 'bob', 'carol', 'dave'] } } });
    t.after(() => bot.close());
    const [alice, bob, dave] = [bot.user('alice'), bot.user('bob'), bot.user('dave')];
    await Promise.all([bob.online(), dave.online()]);
    await dave.leave();
    assert.deepEqual(await alice.ask('hi all'), ['Not delivered: carol and dave are offline.']);
    assert.deepEqual(
      bob.take().map((m) => `<${m.from}> ${m.text}`),
      ['<bot> <alice> hi all'],
    );
  });

  test('when everyone else is online, then the sender hears nothing back and order is kept per sender', async (t) => {
    const bot = await createTestBot({
      plugins: [relay],
      options: { relay: { members: ['alice', 'bob', 'carol'] } },
      limits: { rate: { burst: 50, perSecond: 100 } },
    });
    t.after(() => bot.close());
    const [alice, bob, carol] = [bot.user('alice'), bot.user('bob'), bot.user('carol')];
    await Promise.all([alice.online(), bob.online(), carol.online()]);
    const lines = Array.from({ length: 10 }, (_, i) => `line ${i}`);
    await Promise.all([...lines.map((line) => alice.send(line)), bob.send('from bob')]);
    await bot.idle();
    assert.deepEqual(alice.take().map((m) => m.text), ['<bob> from bob']);
    assert.deepEqual(
      carol
        .take()
        .map((m) => m.text)
        .filter((text) => text.startsWith('<alice>')),
      lines.map((line) => `<alice> ${line}`),
    );
    assert.deepEqual(bob.take().map((m) => m.text), lines.map((line) => `<alice> ${line}`));
  });

  test('when users join, leave and ask who is in, then membership follows and the others are told', async (t) => {
    const bot = await createTestBot({ plugins: [relay] });
    t.after(() => bot.close());
    const [alice, bob] = [bot.user('alice'), bot.user('bob')];
    assert.deepEqual(await alice.ask('hello?'), ['You are not in the room. Send /join to join, or help for the commands.']);
    assert.deepEqual(await alice.ask('/join'), ['You joined the room. Members: alice.']);
    assert.deepEqual(await alice.ask('anyone?'), ['Nobody else is in the room yet.']);
    assert.deepEqual(await bob.ask('/join'), ['You joined the room. Members: alice, bob.']);
    assert.deepEqual(alice.take().map((m) => m.text), ['* bob joined']);
    assert.deepEqual(await bob.ask('/join'), ['You are already in the room. Members: alice, bob.']);
    assert.deepEqual(await alice.ask('/who'), ['Members: alice, bob.']);
    assert.deepEqual(await alice.ask('/leave'), ['You left the room.']);
    assert.deepEqual(bob.take().map((m) => m.text), ['* alice left']);
    assert.deepEqual(await alice.ask('/leave'), ['You are not in the room.']);
    assert.deepEqual(await bob.ask('/who extra'), ['Usage: /who']);
  });

  test('when the bot restarts, then membership is kept from its store', async (t) => {
    const bot = await createTestBot({ plugins: [relay], options: { relay: { members: ['alice', 'bob'] } } });
    t.after(() => bot.close());
    const [alice, carol] = [bot.user('alice'), bot.user('carol')];
    await carol.ask('/join');
    await alice.ask('/leave');
    await bot.restartBot();
    assert.deepEqual(await carol.ask('/who'), ['Members: bob, carol.']);
    const saved = JSON.parse(await readFile(join(bot.stateDir, 'relay.json'), 'utf8'));
    assert.deepEqual(saved, { joined: ['carol'], left: ['alice'] });
  });

  test('when the store holds something other than a list of names, then start-up stops naming the file and the key', async (t) => {
    const stateDir = await mkdtemp(join(tmpdir(), 'sup-relay-'));
    t.after(() => rm(stateDir, { recursive: true, force: true }));
    await writeFile(join(stateDir, 'relay.json'), JSON.stringify({ joined: 'alice' }));
    const starting = createTestBot({ plugins: [relay], stateDir });
    // Should it start after all, it must not outlive the test.
    t.after(() => starting.then((bot) => bot.close(), () => {}));
    await assert.rejects(starting, (error: Error & { code?: string }) => {
      assert.equal(error.code, 'SUP_PLUGIN_SETUP_FAILED');
      assert.ok(error.message.includes(join(stateDir, 'relay.json')), error.message);
      assert.match(error.message, /"joined" must be a list of usernames .*got "alice"; fix the file or remove the key/);
      return true;
    });
    assert.deepEqual(JSON.parse(await readFile(join(stateDir, 'relay.json'), 'utf8')), { joined: 'alice' }, 'left as it was');
  });

  test('when a /join cannot be written to the state directory, then the reply says plainly it was not saved', async (t) => {
    const bot = await createTestBot({ plugins: [relay], handlerErrors: 'collect' });
    t.after(() => bot.close());
    // A directory where the file goes: the rename fails as it would on a read-only disk, for root too.
    await mkdir(join(bot.stateDir, 'relay.json'));
    const [reply] = await bot.user('alice').ask('/join');
    assert.equal(
      reply,
      'You joined the room. Members: alice. But it was NOT saved (the bot could not write its state file), so it lasts only until the bot restarts.',
    );
    assert.deepEqual(await bot.user('alice').ask('/who'), ['Members: alice.']);
    assert.ok(bot.errors.some((entry) => entry.event === 'store-write-failed'));
  });

  test('when help is asked, then the relay commands are listed', async (t) => {
    const bot = await createTestBot({ plugins: [relay] });
    t.after(() => bot.close());
    const [help] = await bot.user('alice').ask('help');
    assert.match(help ?? '', /\/join - Join the room/);
    assert.match(help ?? '', /\/leave - Leave the room/);
    assert.match(help ?? '', /\/who - List the members of the room/);
  });

  test('when its examples run, then each gives the documented reply', async (t) => {
    const bot = await createTestBot({ plugins: [relay] });
    t.after(() => bot.close());
    for (const example of bot.examples()) await t.test(example.title, () => example.run());
  });

  test('when options are wrong, then start-up fails naming the option', async () => {
    await assert.rejects(createTestBot({ plugins: [relay], options: { relay: { members: 'alice' } } }), {
      code: 'SUP_PLUGIN_INVALID_OPTIONS',
      message: 'invalid options for plugin "relay": "members" must be a list of usernames, such as ["alice", "bob"]; fix them in its configuration',
    });
    await assert.rejects(createTestBot({ plugins: [relay], options: { relay: { room: 'x' } } }), /unknown relay option "room"/);
  });
});
