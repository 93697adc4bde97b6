import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runSup, startCli, tempDir, untilOnline } from './harness.js';

const DEMO = fileURLToPath(new URL('../../bots/demo.config.json', import.meta.url));

// The README's quick start, step by step, against what `npm start` runs (on a free port).
test('when the quick start is followed, then the echo and relay bots answer as the README says', { timeout: 15_000 }, async (t) => {
  const start = startCli(['bot', '--embedded-server', '--config', DEMO, '-p', '0', '--state-dir', tempDir(t)], t);
  await start.stderr.until(/sup server listening on 127\.0\.0\.1:\d+\n/);
  const port = /listening on 127\.0\.0\.1:(\d+)/.exec(start.stderr.text)![1]!;
  await untilOnline(Number(port), t, 'echo');
  await untilOnline(Number(port), t, 'relay');
  const sup = (...args: string[]) => runSup([...args, '-p', port], t);

  assert.deepEqual(await sup('contacts'), { code: 0, stdout: 'echo\nrelay\n', stderr: '' });
  assert.deepEqual(await sup('send', 'echo', 'hello there', '--user', 'alice', '--reply'), {
    code: 0,
    stdout: 'hello there\n',
    stderr: '',
  });
  assert.equal((await sup('send', 'relay', '/join', '--user', 'bob', '--reply')).stdout, 'You joined the room. Members: bob.\n');

  const bob = startCli(['listen', '--user', 'bob', '-p', port], t);
  await untilOnline(Number(port), t, 'bob');
  assert.equal(
    (await sup('send', 'relay', '/join', '--user', 'alice', '--reply')).stdout,
    'You joined the room. Members: alice, bob.\n',
  );
  assert.deepEqual(await sup('send', 'relay', 'hi bob', '--user', 'alice'), { code: 0, stdout: '', stderr: '' });
  await bob.stdout.until(/relay <alice> hi bob\n/);
  assert.deepEqual(bob.stdout.lines, ['relay * alice joined', 'relay <alice> hi bob']);

  bob.shutdown();
  start.shutdown();
  assert.equal(await bob.exited, 0);
  assert.equal(await start.exited, 0);
});
