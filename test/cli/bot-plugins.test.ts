import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loggedIn, runSup, startCli, startServer, tempDir, untilOnline } from './harness.js';

const NOTIFY = fileURLToPath(new URL('../../bots/notify.js', import.meta.url));
const REMIND = fileURLToPath(new URL('../../bots/remind.js', import.meta.url));

/** A plugin outside the repository that imports `sup` without installing it. */
const OPS_PLUGIN = `import { definePlugin } from 'sup';
export default definePlugin({
  name: 'ops',
  setup(ctx) {
    ctx.command('deploy', { summary: 'Deploy', usage: '<version>', admin: true }, ({ argv }) => 'Deploying ' + argv[0] + '.');
    ctx.http.get('/health', () => 'ok\\n');
  },
});
`;

async function listeningPort(run: { stderr: { until(p: RegExp): Promise<void>; text: string } }): Promise<number> {
  await run.stderr.until(/http-listening[^\n]*port[=":]+\d+/);
  return Number(/http-listening[^\n]*?port[=":]+(\d+)/.exec(run.stderr.text)![1]);
}

describe('sup bot: plugins from anywhere, init and test, webhooks', { timeout: 300_000 }, () => {
  test('when a plugin outside the repository imports sup and sup/testing, then it loads without an install', async (t) => {
    const dir = tempDir(t, 'sup-plugin-');
    writeFileSync(
      join(dir, 'hello.mjs'),
      `import { definePlugin } from 'sup';\nimport { createTestBot } from 'sup/testing';\n` +
        `export default definePlugin({ name: 'hello', setup(ctx) { ctx.command('hi', { summary: typeof createTestBot }, () => 'hi'); } });\n`,
    );
    assert.equal(existsSync(join(dir, 'node_modules')), false);
    const result = await runSup(['bot', '--check', './hello.mjs'], t, { cwd: dir });
    assert.deepEqual(result, { code: 0, stdout: 'ok: bot "sup-bot" with plugins hello\n', stderr: '' });
  });

  test('when a plugin installed its own sup, then that copy is the one it gets', async (t) => {
    const dir = tempDir(t, 'sup-plugin-');
    const own = join(dir, 'node_modules', 'sup');
    mkdirSync(own, { recursive: true });
    writeFileSync(join(own, 'package.json'), JSON.stringify({ name: 'sup', type: 'module', exports: { '.': './index.js' } }));
    writeFileSync(join(own, 'index.js'), "export const definePlugin = (plugin) => ({ ...plugin, name: 'own-' + plugin.name });\n");
    writeFileSync(join(dir, 'mine.mjs'), "import { definePlugin } from 'sup';\nexport default definePlugin({ name: 'mine', setup() {} });\n");
    const result = await runSup(['bot', '--check', './mine.mjs'], t, { cwd: dir });
    assert.deepEqual(result, { code: 0, stdout: 'ok: bot "sup-bot" with plugins own-mine\n', stderr: '' });
  });

  test('when sup bot init writes a plugin, then its test passes as written and the plugin runs, as the output says', async (t) => {
    const dir = tempDir(t, 'sup-plugin-');
    const init = await runSup(['bot', 'init', 'greeter'], t, { cwd: dir });
    assert.equal(init.code, 0, init.stderr);
    assert.match(init.stdout, /^Wrote greeter\.mjs \(the plugin\) and greeter\.test\.mjs \(its test\)\.\n/);
    assert.match(init.stdout, /^Run it: +sup bot \.\/greeter\.mjs --embedded-server --user greeter$/m);
    assert.match(init.stdout, /^Test it: +sup bot test greeter\.test\.mjs$/m);

    const tested = await runSup(['bot', 'test', 'greeter.test.mjs'], t, { cwd: dir });
    assert.equal(tested.code, 0, `${tested.stdout}\n${tested.stderr}`);
    assert.match(tested.stdout, /pass 2/);

    const { port } = await startServer(t);
    const run = startCli(['bot', './greeter.mjs', '--user', 'greeter', '-p', String(port)], t, { cwd: dir });
    await untilOnline(port, t, 'greeter');
    const alice = await loggedIn(port, t, 'alice');
    assert.deepEqual(await alice.request('send greeter hello'), ['status 000 OK']);
    assert.equal(await alice.frame(), 'recv greeter Hello, alice!');
    run.shutdown();
    assert.equal(await run.exited, 0);

    const again = await runSup(['bot', 'init', 'greeter'], t, { cwd: dir });
    assert.equal(again.code, 2);
    assert.match(again.stderr, /greeter\.mjs: it already exists/);
    assert.match(readFileSync(join(dir, 'greeter.mjs'), 'utf8'), /name: 'greeter'/);
  });

  test('when a plugin test fails, then sup bot test exits 1', async (t) => {
    const dir = tempDir(t, 'sup-plugin-');
    writeFileSync(
      join(dir, 'bad.test.mjs'),
      "import assert from 'node:assert/strict';\nimport { test } from 'node:test';\nimport { createTestBot } from 'sup/testing';\n" +
        "test('fails', () => assert.equal(typeof createTestBot, 'string'));\n",
    );
    const result = await runSup(['bot', 'test', 'bad.test.mjs'], t, { cwd: dir });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^sup: sup bot test: the tests failed/m);
  });

  test('when init gets a name a plugin cannot have, then it writes nothing and exits 2', async (t) => {
    const dir = tempDir(t, 'sup-plugin-');
    const result = await runSup(['bot', 'init', '../evil'], t, { cwd: dir });
    assert.equal(result.code, 2);
    assert.equal(existsSync(join(dir, '../evil.mjs')), false);
  });

  test('when notify runs under --http, then a POST reaches the user through a real server, on 127.0.0.1 by default', async (t) => {
    const run = startCli(['bot', '--embedded-server', NOTIFY, '-u', 'notify', '-p', '0', '--http', '0', '--log-format', 'json'], t);
    await run.stderr.until(/sup server listening on 127\.0\.0\.1:\d+\n/);
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(run.stderr.text)![1]);
    const httpPort = await listeningPort(run);
    assert.match(run.stderr.text, /"event":"http-listening","host":"127\.0\.0\.1"/);
    const alice = await loggedIn(port, t, 'alice');
    const response = await fetch(`http://127.0.0.1:${httpPort}/notify/alice`, { method: 'POST', body: 'the build is green' });
    assert.equal(response.status, 202);
    assert.equal(await alice.frame(), 'recv notify the build is green');
    assert.equal((await fetch(`http://127.0.0.1:${httpPort}/notify/nobody`, { method: 'POST', body: 'x' })).status, 404);
    run.shutdown();
    assert.equal(await run.exited, 0);
    await assert.rejects(fetch(`http://127.0.0.1:${httpPort}/notify/alice`, { method: 'POST', body: 'gone' }));
  });

  test('when the config sets admins, fallback and http, then the bot honours each', async (t) => {
    const { port } = await startServer(t);
    const dir = tempDir(t, 'sup-plugin-');
    writeFileSync(join(dir, 'ops.mjs'), OPS_PLUGIN);
    writeFileSync(
      join(dir, 'sup.config.json'),
      JSON.stringify({ port, bot: { username: 'opsbot', plugins: ['./ops.mjs'], admins: ['alice'], fallback: false, http: '127.0.0.1:0' } }),
    );
    const run = startCli(['bot', '--log-format', 'json'], t, { cwd: dir });
    const httpPort = await listeningPort(run);
    await untilOnline(port, t, 'opsbot');
    assert.equal(await (await fetch(`http://127.0.0.1:${httpPort}/health`)).text(), 'ok\n');
    const alice = await loggedIn(port, t, 'alice');
    const bob = await loggedIn(port, t, 'bob');
    assert.deepEqual(await alice.request('send opsbot deploy 7'), ['status 000 OK']);
    assert.equal(await alice.frame(), 'recv opsbot Deploying 7.');
    assert.deepEqual(await bob.request('send opsbot DEPLOY 7'), ['status 000 OK']);
    assert.equal(await bob.frame(), 'recv opsbot Sorry, "deploy" is only for this bot\'s admins.');
    // With the fallback off, nothing answers free text: the next frame bob sees is his help.
    assert.deepEqual(await bob.request('send opsbot what is this'), ['status 000 OK']);
    assert.deepEqual(await bob.request('send opsbot help'), ['status 000 OK']);
    assert.match(String(await bob.frame()), /^recv opsbot Commands:/);
    run.shutdown();
    assert.equal(await run.exited, 0);
  });

  test('when --http is not an address, or the config http is wrong, then it is a usage error', async (t) => {
    const bad = await runSup(['bot', '--check', REMIND, '--http', 'localhost'], t);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--http/);
    const dir = tempDir(t, 'sup-plugin-');
    writeFileSync(join(dir, 'sup.config.json'), JSON.stringify({ bot: { plugins: [REMIND], http: 'here' } }));
    const result = await runSup(['bot', '--check'], t, { cwd: dir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /"http" must be "HOST:PORT" or "PORT"/);
  });
});
