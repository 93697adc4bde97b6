import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { definePlugin, PluginSetupError, type ScheduledJob } from 'sup';
import { createTestBot } from 'sup/testing';
import { Gate } from './helpers/gate.js';

const MINUTE = 60_000;

describe('ctx.every and ctx.cron on the test clock', () => {
  test('when the clock moves, then an every job runs once per interval, first one interval after setup', async (t) => {
    const runs: number[] = [];
    const plugin = definePlugin({
      name: 'ticker',
      setup(ctx) {
        ctx.every(MINUTE, ({ scheduledAt }) => {
          runs.push(scheduledAt.getTime());
        });
      },
    });
    const bot = await createTestBot({ plugins: [plugin], now: '2026-01-05T08:00:00Z' });
    t.after(() => bot.close());
    const start = bot.clock.now();
    await bot.clock.advance(MINUTE - 1);
    assert.deepEqual(runs, []);
    await bot.clock.advance(1);
    await bot.clock.advance(3 * MINUTE);
    assert.deepEqual(runs, [1, 2, 3, 4].map((n) => start + n * MINUTE));
  });

  test('when a job sends, then the message reaches the user', async (t) => {
    const plugin = definePlugin({
      name: 'standup',
      setup(ctx) {
        ctx.cron('0 9 * * 1-5', () => ctx.send('alice', `stand-up at ${ctx.now().toISOString()}`).then(() => {}), { timezone: 'Europe/Berlin' });
      },
    });
    // Friday 2026-01-02 07:30 UTC = 08:30 in Berlin; the next weekday 09:00 Berlin is Friday 08:00 UTC, then Monday.
    const bot = await createTestBot({ plugins: [plugin], now: '2026-01-02T07:30:00Z' });
    t.after(() => bot.close());
    const alice = bot.user('alice');
    await alice.online();
    await bot.clock.advanceTo('2026-01-05T23:00:00Z');
    await bot.idle();
    assert.deepEqual(
      alice.take().map((m) => m.text),
      ['stand-up at 2026-01-02T08:00:00.000Z', 'stand-up at 2026-01-05T08:00:00.000Z'],
    );
  });

  test('when a run throws, then it is logged with the plugin and job, and later runs go on', async (t) => {
    let calls = 0;
    const plugin = definePlugin({
      name: 'flaky',
      setup(ctx) {
        ctx.every(1_000, () => {
          calls++;
          if (calls === 1) throw new Error('disk on fire');
        }, { name: 'sweep' });
      },
    });
    const bot = await createTestBot({ plugins: [plugin], handlerErrors: 'collect' });
    t.after(() => bot.close());
    await bot.clock.advance(3_000);
    assert.equal(calls, 3);
    const failures = bot.errors.filter((entry) => entry.event === 'schedule-failed');
    assert.equal(failures.length, 1);
    assert.equal(failures[0]!.fields.plugin, 'flaky');
    assert.equal(failures[0]!.fields.job, 'sweep');
    assert.match(String((failures[0]!.fields.error as Error).message), /disk on fire/);
  });

  test('when a tick comes while the run before still holds, then it is skipped, logged once, never run at once', async (t) => {
    const gate = new Gate();
    let running = 0;
    let most = 0;
    let runs = 0;
    let job: ScheduledJob | undefined;
    const plugin = definePlugin({
      name: 'slow',
      setup(ctx) {
        job = ctx.every(1_000, async () => {
          runs++;
          running++;
          most = Math.max(most, running);
          if (runs === 1) await gate.promise;
          running--;
        }, { name: 'crawl' });
      },
    });
    const bot = await createTestBot({ plugins: [plugin] });
    t.after(() => bot.close());
    const held = bot.clock.advance(1_000); // waits on the first run, which holds
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(job!.running, true);
    await bot.clock.advance(2_000); // two more ticks come due while it holds
    assert.equal(runs, 1);
    gate.open();
    await held;
    await bot.clock.advance(1_000);
    assert.equal(runs, 2);
    assert.equal(most, 1);
    const skipped = bot.logs.filter((entry) => entry.event === 'schedule-skipped');
    assert.deepEqual(
      skipped.map((entry) => [entry.fields.plugin, entry.fields.job, entry.fields.skipped]),
      [['slow', 'crawl', 2]],
    );
  });

  test('when the bot stops, then its schedules are cancelled and a running job sees the signal', async (t) => {
    let runs = 0;
    let sawAbort = false;
    const plugin = definePlugin({
      name: 'stopper',
      setup(ctx) {
        ctx.every(1_000, async ({ signal }) => {
          runs++;
          if (runs === 2) {
            await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
            sawAbort = true;
          }
        });
      },
    });
    const bot = await createTestBot({ plugins: [plugin] });
    t.after(() => bot.close());
    await bot.clock.advance(1_000);
    const second = bot.clock.advance(1_000);
    await new Promise((resolve) => setImmediate(resolve));
    await bot.runtime.stop();
    await second;
    assert.equal(sawAbort, true);
    assert.equal(bot.clock.pending, 0);
    await bot.clock.advance(10_000);
    assert.equal(runs, 2);
  });

  test('when a cron pattern or time zone is wrong, then start-up fails naming the plugin', async () => {
    for (const [pattern, timezone] of [
      ['61 * * * *', undefined],
      ['0 9 * * *', 'Mars/Olympus_Mons'],
    ] as const) {
      const plugin = definePlugin({
        name: 'badcron',
        setup(ctx) {
          ctx.cron(pattern, () => {}, timezone === undefined ? {} : { timezone });
        },
      });
      const error = await createTestBot({ plugins: [plugin] }).catch((e: unknown) => e);
      assert.ok(error instanceof PluginSetupError, String(error));
      assert.equal(error.plugin, 'badcron');
      assert.match(error.message, new RegExp(`plugin "badcron": cron\\('${pattern.replace(/\*/g, '\\*')}'\\)`));
    }
  });

  test('when every gets a bad interval, then setup fails naming the plugin', async () => {
    const plugin = definePlugin({
      name: 'badevery',
      setup(ctx) {
        ctx.every(0, () => {});
      },
    });
    const error = await createTestBot({ plugins: [plugin] }).catch((e: unknown) => e);
    assert.ok(error instanceof PluginSetupError);
    assert.match(error.message, /plugin "badevery": every\(ms, fn\): ms must be/);
  });
});

describe('croner stays out of the one-shot CLI', () => {
  test('when the bundled CLI starts, then no statically loaded chunk refers to croner', () => {
    const dir = new URL('../../dist/cli-bundle/', import.meta.url);
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      const code = readFileSync(fileURLToPath(new URL(file, dir)), 'utf8');
      assert.doesNotMatch(code, /croner/, `${file} is loaded by every command and must not load croner`);
      // Static imports only: dynamic import("...") chunks load on demand.
      for (const match of code.matchAll(/(?:^|[;\s}])import\s*(?:[\w${},\s*]+from\s*)?["'](\.\/[^"']+)["']/g)) {
        visit(new URL(match[1]!, new URL(file, dir)).href.slice(dir.href.length));
      }
    };
    visit('sup.js');
    assert.ok(seen.size >= 1);
    const all = readFileSync(fileURLToPath(new URL('sup.js', dir)), 'utf8');
    assert.match(all, /import\(/, 'the bundle loads the bot runtime on demand');
  });
});
