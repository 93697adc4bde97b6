import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { test } from 'node:test';
import { NatsServer } from '../../helpers/nats-server.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
// The single-server protocol suites whose assertions are all on the wire (others also inspect one server object's stats).
const SUITES = ['test/server/commands.test.ts', 'test/server/fast-path.test.ts', 'test/server/fuzz.test.ts'];
const SAFETY_TIMEOUT_MS = 90_000;

test('when the single-server protocol suites run against two cluster nodes with users spread across them, then every test passes', { timeout: SAFETY_TIMEOUT_MS + 10_000 }, async (t) => {
  const nats = await NatsServer.start(t);
  // Without the outer runner's NODE_TEST_CONTEXT, the child runs and reports as a runner of its own.
  const { NODE_TEST_CONTEXT: _outer, ...env } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=tap', ...SUITES], {
    cwd: ROOT,
    env: { ...env, SUP_TEST_CLUSTER: nats.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.after(() => child.kill('SIGKILL'));
  const timer = setTimeout(() => child.kill('SIGKILL'), SAFETY_TIMEOUT_MS);
  t.after(() => clearTimeout(timer));
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (output += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (output += text));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  assert.deepEqual({ code, signal }, { code: 0, signal: null }, output);
  assert.match(output, /^# fail 0$/m, output);
  assert.ok(Number(/^# pass (\d+)$/m.exec(output)?.[1]) > 20, output);
});
