import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { RawPeer } from '../helpers/raw-peer.js';
import { loggedIn, runSup, startCli, startServer, tempDir, untilOnline } from './harness.js';

const ECHO = fileURLToPath(new URL('../../bots/echo.js', import.meta.url));
const RELAY = fileURLToPath(new URL('../../bots/relay.js', import.meta.url));

describe('sup bot', { timeout: 15_000 }, () => {
  test('when --check is given good modules, then it names each bot and its plugins and exits 0 without connecting', async (t) => {
    const { server } = await startServer(t);
    const result = await runSup(['bot', '--check', ECHO, '-u', 'echo', '-p', String(server.address!.port)], t);
    assert.deepEqual(result, { code: 0, stdout: 'ok: bot "echo" with plugins echo\n', stderr: '' });
    assert.equal(server.stats.connections, 0);
  });

  test('when a module does not exist, then one line names it and it exits 2', async (t) => {
    const result = await runSup(['bot', '--check', './nowhere.js'], t);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sup: [^\n]*"\.\/nowhere\.js"[^\n]*\n$/);
  });

  test('when a module has no plugin as its default export, then start-up stops naming it, with exit 2', async (t) => {
    const dir = tempDir(t);
    writeFileSync(join(dir, 'broken.mjs'), 'export default { name: "broken" };\n');
    const { port } = await startServer(t);
    const result = await runSup(['bot', 'broken.mjs', '-p', String(port)], t, { cwd: dir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sup: plugin module "broken\.mjs"[^\n]*\n$/);
  });

  test('when no module is given and the config has none, then it says how to give one and exits 2', async (t) => {
    const result = await runSup(['bot'], t);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sup: no plugins to run: [^\n]*bot\.plugins[^\n]*\n$/);
  });

  test('when the echo bot runs, then it answers, and on shutdown it quits and exits 0', async (t) => {
    const { server, port } = await startServer(t);
    const dir = tempDir(t);
    const run = startCli(['bot', ECHO, '-u', 'echo', '-p', String(port), '--log-format', 'json'], t, { cwd: dir });
    await untilOnline(port, t, 'echo');
    const alice = await loggedIn(port, t, 'alice');
    assert.deepEqual(await alice.request('send echo hello  there'), ['status 000 OK']);
    assert.equal(await alice.frame(), 'recv echo hello  there');
    run.shutdown();
    assert.equal(await run.exited, 0);
    assert.deepEqual(await alice.request('contact echo'), ['status 103 Offline']);
    const events = run.stderr.lines.map((line) => (JSON.parse(line) as { event: string }).event);
    assert.ok(events.includes('started') && events.includes('stopped'), `log events: ${events.join(', ')}`);
    assert.equal(server.stats.online, 1, 'only alice is left');
  });

  test('when --embedded-server is given, then the server runs in the same process on the announced port', async (t) => {
    const run = startCli(['bot', '--embedded-server', ECHO, '-u', 'echo', '-p', '0'], t);
    await run.stderr.until(/sup server listening on 127\.0\.0\.1:\d+\n/);
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(run.stderr.text)![1]);
    await untilOnline(port, t, 'echo');
    const alice = await loggedIn(port, t, 'alice');
    assert.deepEqual(await alice.request('send echo ping'), ['status 000 OK']);
    assert.equal(await alice.frame(), 'recv echo ping');
    run.shutdown();
    assert.equal(await run.exited, 0);
    const peer = await RawPeer.connect(port, t).catch((error: NodeJS.ErrnoException) => error);
    assert.ok(peer instanceof Error && peer.code === 'ECONNREFUSED', 'the embedded server is closed');
  });

  test('when the config defines several bots, then each logs in under its own name with plugins relative to the file', async (t) => {
    const { port } = await startServer(t);
    const dir = tempDir(t);
    const config = {
      port,
      bot: [
        { username: 'echo', plugins: [ECHO] },
        { username: 'relay', plugins: [{ module: RELAY, options: { members: ['alice', 'bob'] } }], stateDir: 'state' },
      ],
    };
    writeFileSync(join(dir, 'sup.config.json'), JSON.stringify(config));
    const run = startCli(['bot'], t, { cwd: dir });
    await untilOnline(port, t, 'echo');
    await untilOnline(port, t, 'relay');
    const alice = await loggedIn(port, t, 'alice');
    const bob = await loggedIn(port, t, 'bob');
    assert.deepEqual(await alice.request('send relay hi bob'), ['status 000 OK']);
    assert.equal(await bob.frame(), 'recv relay <alice> hi bob');
    run.shutdown();
    assert.equal(await run.exited, 0);
  });

  test('when several bots are configured and --user is given, then it is a usage error', async (t) => {
    const dir = tempDir(t);
    writeFileSync(
      join(dir, 'sup.config.json'),
      JSON.stringify({ bot: [{ username: 'a', plugins: [ECHO] }, { username: 'b', plugins: [ECHO] }] }),
    );
    const result = await runSup(['bot', '--check', '-u', 'x'], t, { cwd: dir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sup: --user names one bot[^\n]*\n$/);
  });

  test('when two configured bots share a name, then it is a usage error', async (t) => {
    const dir = tempDir(t);
    writeFileSync(
      join(dir, 'sup.config.json'),
      JSON.stringify({ bot: [{ username: 'a', plugins: [ECHO] }, { username: 'a', plugins: [RELAY] }] }),
    );
    const result = await runSup(['bot', '--check'], t, { cwd: dir });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /two bots are named "a"/);
  });
});
