import assert from 'node:assert/strict';
import { test } from 'node:test';
// The package entry points, resolved through package.json "exports" as a user's import is.
import * as sup from 'sup';
import * as testing from 'sup/testing';

test('when a user imports the package, then every layer is reachable through the public entry', async (t) => {
  for (const name of ['SupClient', 'SupServer', 'definePlugin', 'loadPlugins', 'BotRuntime', 'FrameDecoder', 'parseClientFrame']) {
    assert.equal(typeof (sup as Record<string, unknown>)[name], 'function', `sup exports ${name}`);
  }
  assert.equal(sup.STATUS_TEXT['104'], 'Messaged User Not Online');
  assert.equal(sup.DEFAULT_PORT, 7877);
  assert.equal(typeof testing.createTestBot, 'function');

  // The whole path a user takes: a server, a client, a message, through the built package.
  const server = new sup.SupServer({ port: 0 });
  t.after(() => server.close());
  const { port } = await server.listen();
  const alice = new sup.SupClient({ port, username: 'alice', reconnect: false });
  const bob = new sup.SupClient({ port, username: 'bob', reconnect: false });
  t.after(() => {
    alice.close();
    bob.close();
  });
  await Promise.all([alice.connect(), bob.connect()]);
  const received = new Promise<sup.SupMessage>((resolve) => bob.once('message', resolve));
  await alice.send('bob', 'hi');
  const message = await received;
  assert.deepEqual([message.from, message.text], ['alice', 'hi']);
  const refused = await alice.send('carol', 'hi').catch((error: unknown) => error);
  assert.ok(refused instanceof sup.SupStatusError);
  assert.equal(refused.status, '104');
  assert.equal(refused.code, sup.SupErrorCode.Status);
  await Promise.all([alice.quit(), bob.quit()]);
});
