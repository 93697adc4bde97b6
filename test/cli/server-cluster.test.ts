import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { NatsServer } from '../helpers/nats-server.js';
import { loggedIn } from '../helpers/server.js';
import { BUILT_CLI, closedPort, readyPort, runSup, spawnSup, tempDir } from './harness.js';

const OK = 'status 000 OK';

describe('sup server in cluster mode', { timeout: 60_000 }, () => {
  test('when one node takes --cluster, another SUP_CLUSTER and a third the config key, then they form one network', async (t) => {
    const nats = await NatsServer.start(t);
    const byFlag = spawnSup(['server', '--port', '0', '--cluster', nats.url, '--cluster-name', 'cli'], t);
    const byEnv = spawnSup(['server', '--port', '0', '--cluster-name', 'cli'], t, { env: { SUP_CLUSTER: nats.url } });
    const dir = tempDir(t);
    writeFileSync(join(dir, 'sup.config.json'), JSON.stringify({ server: { cluster: [nats.url], clusterName: 'cli' } }));
    const byConfig = spawnSup(['server', '--port', '0'], t, { cwd: dir });
    const [one, two, three] = await Promise.all([readyPort(byFlag), readyPort(byEnv), readyPort(byConfig)]);
    const alice = await loggedIn(one, t, 'alice');
    const bob = await loggedIn(two, t, 'bob');
    const carol = await loggedIn(three, t, 'carol');
    assert.deepEqual(await alice.request(['send bob 1', 'send carol 2', 'get contacts'], 4), [OK, OK, OK, 'contacts alice bob carol']);
    assert.deepEqual(await bob.frames(1), ['recv alice 1']);
    assert.deepEqual(await carol.frames(1), ['recv alice 2']);
    for (const run of [byFlag, byEnv, byConfig]) run.child.kill('SIGTERM');
    for (const run of [byFlag, byEnv, byConfig]) assert.equal((await run.exited).code, 0);
  });

  test('when --workers 2 is given, then both workers serve one port as one network, and SIGTERM stops them all', async (t) => {
    const nats = await NatsServer.start(t);
    const run = spawnSup(['server', '--port', '0', '--cluster', nats.url, '--workers', '2'], t);
    const port = await readyPort(run);
    assert.equal(run.stderr().match(/sup server listening on/g)?.length, 1, run.stderr());
    const peers = await Promise.all(Array.from({ length: 8 }, (_, i) => loggedIn(port, t, `user${i}`)));
    const names = Array.from({ length: 8 }, (_, i) => `user${i}`);
    assert.deepEqual(await peers[0]!.request('get contacts', 2), [OK, `contacts ${names.join(' ')}`]);
    for (let i = 1; i < 8; i++) assert.deepEqual(await peers[0]!.request(`send user${i} hi ${i}`), [OK]);
    for (let i = 1; i < 8; i++) assert.deepEqual(await peers[i]!.frames(1), [`recv user0 hi ${i}`]);
    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
    await Promise.all(peers.map((peer) => peer.closed));
  });

  test('when --workers is given without a cluster, then it is a usage error', async (t) => {
    const { code, stderr } = await runSup(['server', '--port', '0', '--workers', '2'], t);
    assert.equal(code, 2);
    assert.match(stderr, /--workers needs cluster mode.*--cluster/);
  });

  test('when NATS cannot be reached, then it says so and exits 3', async (t) => {
    const port = await closedPort();
    const { code, stderr } = await runSup(['server', '--port', '0', '--cluster', `nats://127.0.0.1:${port}`], t);
    assert.equal(code, 3);
    assert.match(stderr, /cannot reach NATS at nats:\/\/127\.0\.0\.1:\d+: .*; start nats-server -js there or fix --cluster/);
  });

  test('when the cluster name cannot be a subject token, then it is a usage error', async (t) => {
    const { code, stderr } = await runSup(['server', '--port', '0', '--cluster', 'nats://127.0.0.1:1', '--cluster-name', 'a.b'], t);
    assert.equal(code, 2);
    assert.match(stderr, /cluster name must be 1 to 64 characters from A-Z a-z 0-9 _ -, got "a.b"/);
  });

  test('when the CLI starts, then nothing it loads before cluster mode is asked for imports the NATS client or node:cluster', () => {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(file, 'utf8');
      assert.doesNotMatch(code, /from\s*"nats"|require\("nats"\)/, `${file} loads the NATS client statically`);
      assert.doesNotMatch(code, /from\s*"node:cluster"/, `${file} loads node:cluster, which only --workers needs`);
      // Static imports only: a dynamic import() is loaded when its path runs, not at start-up.
      for (const [, target] of code.matchAll(/(?:^|[;}\s])import\s*(?:[\w$*{},\s]+from\s*)?"(\.[^"]+)"/g)) visit(join(dirname(file), target!));
    };
    visit(BUILT_CLI);
    for (const chunk of readdirSync(join(dirname(BUILT_CLI), 'chunks')).filter((name) => /^server-run-.*\.js$/.test(name))) {
      visit(join(dirname(BUILT_CLI), 'chunks', chunk));
    }
    assert.ok(seen.size > 2, `followed the static imports of ${[...seen].join(', ')}`);
    const natsChunk = readdirSync(join(dirname(BUILT_CLI), 'chunks')).find((name) => /^nats-cluster-.*\.js$/.test(name));
    assert.ok(natsChunk, 'the cluster code is a chunk of its own');
    assert.match(readFileSync(join(dirname(BUILT_CLI), 'chunks', natsChunk), 'utf8'), /from\s*"nats"/);
  });
});
