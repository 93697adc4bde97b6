import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loggedIn, spawnSup, startServer, tempDir, untilOnline } from './harness.js';

const ECHO = fileURLToPath(new URL('../../bots/echo.js', import.meta.url));

describe('sup bot under a flood', { timeout: 60_000 }, () => {
  test('when many users flood the echo bot with --log-format json, then every stderr line is a JSON log line', async (t) => {
    const { port } = await startServer(t);
    const dir = tempDir(t);
    // Replies paced to one a second per user, so many recipients wait on pacing at once.
    const limits = { maxQueuedPerSender: 5, rate: { burst: 1, perSecond: 1 }, shutdownTimeoutMs: 2000 };
    writeFileSync(join(dir, 'sup.config.json'), JSON.stringify({ bot: { limits } }));
    const bot = spawnSup(['bot', ECHO, '-u', 'echo', '-p', String(port), '--log-format', 'json'], t, { cwd: dir });
    await untilOnline(port, t, 'echo');
    const users = await Promise.all(Array.from({ length: 30 }, (_, i) => loggedIn(port, t, `user${i}`)));
    await Promise.all(
      users.map((user) => user.request(Array.from({ length: 10 }, (_, i) => `send echo message ${i}`))),
    );
    // Each user's first echo is back: the bot has read the flood and is pacing the rest.
    await Promise.all(users.map((user) => user.frame()));
    bot.child.kill('SIGTERM');
    assert.deepEqual(await bot.exited, { code: 0, signal: null });
    const lines = bot.stderr().split('\n').filter((line) => line !== '');
    const notJson = lines.filter((line) => {
      try {
        return typeof JSON.parse(line) !== 'object';
      } catch {
        return true;
      }
    });
    assert.deepEqual(notJson, []);
    const events = lines.map((line) => (JSON.parse(line) as { event: string }).event);
    assert.ok(events.includes('messages-dropped'), `log events: ${[...new Set(events)].join(', ')}`);
    // A process warning would be logged as JSON too, but none should happen (e.g. MaxListenersExceededWarning).
    assert.deepEqual(lines.filter((line) => line.includes('"process-warning"')), []);
  });
});
