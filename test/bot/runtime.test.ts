import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { CommandUsageError, type PluginSetupError } from '../../src/bot/errors.js';
import { preparePlugin, type LoadedPlugin } from '../../src/bot/loader.js';
import { DEFAULT_APOLOGY } from '../../src/bot/options.js';
import { definePlugin, type AnyPlugin, type SendOutcome } from '../../src/bot/plugin.js';
import { BotRuntime, type BotRuntimeOptions } from '../../src/bot/runtime.js';
import { FakeClock, settle } from '../helpers/fake-clock.js';
import { ScriptedClient } from './helpers/fake-client.js';
import { Gate } from './helpers/gate.js';
import { RecordingLogger } from './helpers/recording-logger.js';

async function makeBot(t: TestContext, plugins: AnyPlugin[], overrides: Partial<BotRuntimeOptions> = {}) {
  const stateDir = await fsp.mkdtemp(join(tmpdir(), 'sup-runtime-'));
  t.after(() => fsp.rm(stateDir, { recursive: true, force: true }));
  const client = new ScriptedClient();
  const logger = new RecordingLogger();
  const clock = new FakeClock();
  const runtime = new BotRuntime({
    client,
    plugins: plugins.map((plugin): LoadedPlugin => preparePlugin(plugin, undefined)),
    username: 'bot',
    stateDir,
    logger,
    clock,
    limits: { rate: { burst: 1000, perSecond: 1000 }, handlerTimeoutMs: 1000, shutdownTimeoutMs: 1000 },
    ...overrides,
  });
  t.after(() => runtime.stop());
  return { client, logger, clock, runtime, stateDir };
}

const echo = definePlugin({
  name: 'echo',
  setup(ctx) {
    ctx.hear(/[^]*/, (message) => void message.reply(message.text));
  },
});

describe('BotRuntime', () => {
  test('when started, then plugins are set up before the client connects', async (t) => {
    const order: string[] = [];
    const plugin = definePlugin({
      name: 'first',
      setup() {
        order.push('setup');
      },
    });
    const { client, runtime } = await makeBot(t, [plugin]);
    client.connect = async () => {
      order.push('connect');
    };
    await runtime.start();
    assert.deepEqual(order, ['setup', 'connect']);
    assert.equal(runtime.state, 'running');
  });

  test('when a handler throws, then it is logged with the plugin and the message, the sender gets an apology, and the bot keeps going', async (t) => {
    const boom = definePlugin({
      name: 'boom',
      setup(ctx) {
        ctx.hear('explode', () => {
          throw new Error('kaboom');
        });
      },
    });
    const { client, logger, runtime } = await makeBot(t, [boom, echo]);
    await runtime.start();
    client.deliver('alice', 'explode');
    client.deliver('alice', 'still there?');
    await runtime.idle();
    assert.deepEqual(client.textsTo('alice'), ['explode', DEFAULT_APOLOGY, 'still there?']);
    const [failure] = logger.events('handler-failed');
    assert.equal(failure?.level, 'error');
    assert.equal(failure?.fields.plugin, 'boom');
    assert.equal(failure?.fields.from, 'alice');
    assert.equal(failure?.fields.text, 'explode');
    assert.equal((failure?.fields.error as Error).message, 'kaboom');
  });

  test('when the apology is configured or turned off, then that is what the sender gets', async (t) => {
    const failing = definePlugin({
      name: 'failing',
      setup(ctx) {
        ctx.hear(/./, async () => Promise.reject(new Error('no')));
      },
    });
    const custom = await makeBot(t, [failing], { apology: 'Oops.' });
    await custom.runtime.start();
    custom.client.deliver('alice', 'x');
    await custom.runtime.idle();
    assert.deepEqual(custom.client.textsTo('alice'), ['Oops.']);
    const silent = await makeBot(t, [failing], { apology: false });
    await silent.runtime.start();
    silent.client.deliver('alice', 'x');
    await silent.runtime.idle();
    assert.deepEqual(silent.client.sent, []);
  });

  test('when a message comes from the bot itself, then no plugin sees it', async (t) => {
    const { client, runtime } = await makeBot(t, [echo]);
    await runtime.start();
    client.deliver('bot', 'hello me');
    client.deliver('alice', 'hello');
    await runtime.idle();
    assert.deepEqual(client.sent, [{ to: 'alice', text: 'hello' }]);
    assert.equal(runtime.stats.received, 1);
  });

  test('when one sender\'s handlers take different times, then the replies still come in message order', async (t) => {
    const gates = [new Gate(), new Gate(), new Gate()];
    const slow = definePlugin({
      name: 'slow',
      setup(ctx) {
        ctx.hear(/^\d$/, async (message) => {
          await gates[Number(message.text)]!.promise;
          await message.reply(`done ${message.text}`);
        });
      },
    });
    const { client, runtime } = await makeBot(t, [slow]);
    await runtime.start();
    client.deliver('alice', '0');
    client.deliver('alice', '1');
    client.deliver('alice', '2');
    client.deliver('bob', '2');
    gates[2]!.open();
    await settle();
    assert.deepEqual(client.textsTo('bob'), ['done 2'], 'bob is not held up by alice');
    assert.deepEqual(client.textsTo('alice'), []);
    gates[1]!.open();
    gates[0]!.open();
    await runtime.idle();
    assert.deepEqual(client.textsTo('alice'), ['done 0', 'done 1', 'done 2']);
  });

  test('when a command is sent, then it is dispatched by its spec and its returned string is the reply', async (t) => {
    const seen: string[] = [];
    const dice = definePlugin({
      name: 'dice',
      setup(ctx) {
        ctx.command({
          name: 'roll',
          aliases: ['r'],
          summary: 'Roll a die',
          usage: '<sides> [count]',
          examples: ['roll 6'],
          run: ({ argv, command }) => {
            const sides = Number(argv[0]);
            if (!Number.isInteger(sides) || sides < 1) throw new CommandUsageError(`"${argv[0]}" is not a number of sides`);
            return `${command}: ${sides}`;
          },
        });
        ctx.hear(/[^]*/, (message) => void seen.push(message.text));
      },
    });
    const { client, runtime } = await makeBot(t, [dice]);
    await runtime.start();
    for (const text of ['roll 6', 'r 20 2', 'roll', 'roll x', 'roll 1 2 3', 'rolling']) client.deliver('alice', text);
    await runtime.idle();
    assert.deepEqual(client.textsTo('alice'), [
      'roll: 6',
      'r: 20',
      'Usage: roll <sides> [count]',
      '"x" is not a number of sides\nUsage: roll <sides> [count]',
      'Usage: roll <sides> [count]',
    ]);
    assert.deepEqual(seen, ['rolling'], 'commands do not reach hear handlers');
  });

  test('when help is asked, then commands are listed from their specs', async (t) => {
    const relayish = definePlugin({
      name: 'relayish',
      setup(ctx) {
        ctx.command({ name: '/join', summary: 'Join the room', examples: ['/join'], run: () => 'joined' });
      },
    });
    const { client, runtime } = await makeBot(t, [relayish]);
    await runtime.start();
    client.deliver('alice', 'help');
    client.deliver('alice', 'help /join');
    client.deliver('alice', '/help nope');
    await runtime.idle();
    assert.deepEqual(client.textsTo('alice'), [
      'Commands:\n  help [command] - List the commands, or explain one\n  /join - Join the room\nType "help <command>" for details.',
      '/join - Join the room\nExamples:\n  /join',
      'There is no command "nope". Type "/help" to list them.',
    ]);
  });

  test('when two plugins register the same command, then start-up fails naming both, disposes what was set up, and never connects', async (t) => {
    const disposed: string[] = [];
    const make = (name: string) =>
      definePlugin({
        name,
        setup(ctx) {
          ctx.command({ name: 'go', summary: 'Go', run: () => 'went' });
          return () => void disposed.push(name);
        },
      });
    const { client, runtime } = await makeBot(t, [make('one'), make('two')]);
    await assert.rejects(runtime.start(), (error: PluginSetupError) => {
      assert.equal(error.code, 'SUP_PLUGIN_DUPLICATE_COMMAND');
      assert.equal(error.plugin, 'two');
      assert.match(error.message, /plugin "two" registers the command "go", which plugin "one" already has/);
      return true;
    });
    assert.deepEqual(disposed, ['one']);
    assert.equal(client.calls.includes('connect'), false);
    assert.equal(runtime.state, 'stopped');
  });

  test('when a plugin registers "help", then start-up says it is built in', async (t) => {
    const clash = definePlugin({
      name: 'clash',
      setup(ctx) {
        ctx.command({ name: 'help', summary: 'Mine', run: () => 'mine' });
      },
    });
    const { runtime } = await makeBot(t, [clash]);
    await assert.rejects(runtime.start(), /which the bot itself already has/);
  });

  test('when a setup throws, then the earlier plugins are disposed in reverse and the error names the plugin', async (t) => {
    const disposed: string[] = [];
    const good = (name: string) => definePlugin({ name, setup: () => () => void disposed.push(name) });
    const bad = definePlugin({
      name: 'bad',
      setup() {
        throw new Error('no database');
      },
    });
    const { client, runtime } = await makeBot(t, [good('a'), good('b'), bad]);
    await assert.rejects(runtime.start(), (error: PluginSetupError) => {
      assert.equal(error.code, 'SUP_PLUGIN_SETUP_FAILED');
      assert.equal(error.plugin, 'bad');
      assert.match(error.message, /plugin "bad" \(bad\) failed to set up: no database/);
      return true;
    });
    assert.deepEqual(disposed, ['b', 'a']);
    assert.deepEqual(client.calls, ['close']);
  });

  test('when stopped, then it stops taking messages, finishes running handlers, drains the outbox, disposes in reverse, and quits last', async (t) => {
    const gate = new Gate();
    let shutdownSeen = false;
    const make = (name: string, client: () => ScriptedClient) =>
      definePlugin({
        name,
        setup(ctx) {
          ctx.signal.addEventListener('abort', () => {
            shutdownSeen = true;
          });
          if (name === 'a') {
            ctx.hear(/[^]*/, async (message) => {
              await gate.promise;
              await message.reply(`finished ${message.text}`);
            });
          }
          return () => void client().calls.push(`dispose ${name}`);
        },
      });
    let clientRef: ScriptedClient | undefined;
    const { client, runtime, logger } = await makeBot(t, [make('a', () => clientRef!), make('b', () => clientRef!)]);
    clientRef = client;
    await runtime.start();
    client.deliver('alice', 'first');
    client.deliver('alice', 'queued');
    await settle();
    const stopping = runtime.stop();
    assert.equal(shutdownSeen, true);
    client.deliver('carol', 'too late');
    gate.open();
    await stopping;
    assert.deepEqual(client.calls, [
      'connect',
      'send alice finished first',
      'send alice Sorry, I am shutting down: 1 message of yours was not handled. Please send again once I am back.',
      'dispose b',
      'dispose a',
      'quit',
    ]);
    assert.deepEqual(logger.events('messages-dropped').map((entry) => entry.fields), [{ from: 'alice', reason: 'shutdown', count: 1 }]);
    assert.equal(runtime.state, 'stopped');
  });

  test('when senders flood past the backlog and byte limits, then the excess is dropped, counted, logged, and each sender told once', async (t) => {
    const gate = new Gate();
    t.after(() => gate.open());
    const slow = definePlugin({
      name: 'slow',
      setup(ctx) {
        ctx.hear(/[^]*/, async (message) => {
          await gate.promise;
          await message.reply(`done ${message.text}`);
        });
      },
    });
    const text = 'x'.repeat(10_000);
    const { client, clock, logger, runtime } = await makeBot(t, [slow], {
      limits: {
        concurrency: 1,
        maxQueuedPerSender: 2,
        maxQueuedBytes: 40_000,
        handlerTimeoutMs: 600_000,
        rate: { burst: 1000, perSecond: 1000 },
      },
    });
    await runtime.start();
    // alice: one running, two waiting, seven over her backlog.
    for (let i = 0; i < 10; i++) client.deliver('alice', `${i} ${text}`);
    // bob: one waits (the budget holds four), the rest pass the byte budget.
    for (let i = 0; i < 3; i++) client.deliver('bob', `${i} ${text}`);
    await settle();
    assert.equal(runtime.stats.dropped, 9);
    assert.ok(runtime.stats.queuedBytes <= 40_000, `queued ${runtime.stats.queuedBytes} bytes`);
    const notices = (to: string) => client.textsTo(to).filter((sent) => sent.startsWith('Sorry'));
    assert.deepEqual(notices('alice'), [
      'Sorry, you sent messages faster than I can handle them: 1 message of yours was dropped unanswered. Please wait for my replies before sending more.',
    ]);
    assert.deepEqual(notices('bob'), ['Sorry, I am overloaded: 1 message of yours was dropped unanswered. Please send again in a minute.']);
    // A minute later, the drops since are told, once each.
    await clock.advance(60_000);
    assert.equal(notices('alice').length, 2);
    assert.match(notices('alice')[1]!, /: 6 messages of yours were dropped/);
    assert.equal(notices('bob').length, 2);
    const logged = logger.events('messages-dropped');
    assert.equal(logged.reduce((sum, entry) => sum + (entry.fields.count as number), 0), 9);
    assert.deepEqual(logged[0]?.fields, { from: 'alice', reason: 'sender-backlog', count: 1, maxQueuedPerSender: 2 });
    gate.open();
    await runtime.idle();
    assert.equal(runtime.stats.received, 4);
    assert.equal(runtime.stats.queuedBytes, 0);
  });

  test('when a handler does not finish within the shutdown timeout, then it is abandoned and shutdown goes on', async (t) => {
    const neverEnds = new Gate();
    let late: Promise<SendOutcome> | undefined;
    let handlerSignal: AbortSignal | undefined;
    const stuck = definePlugin({
      name: 'stuck',
      setup(ctx) {
        ctx.hear(/[^]*/, async (message) => {
          handlerSignal = message.signal;
          await neverEnds.promise;
          late = message.reply('too late');
        });
      },
    });
    const { client, clock, logger, runtime } = await makeBot(t, [stuck], {
      limits: { handlerTimeoutMs: 60_000, shutdownTimeoutMs: 1000 },
    });
    await runtime.start();
    client.deliver('alice', 'hang');
    await settle();
    const stopping = runtime.stop();
    await clock.advance(1000);
    await stopping;
    assert.equal(handlerSignal?.aborted, true);
    assert.deepEqual(logger.events('shutdown-timeout')[0]?.fields, { phase: 'handlers', abandoned: 1 });
    assert.equal(client.calls.at(-1), 'quit');
    neverEnds.open();
    await settle();
    await assert.rejects(late!, { code: 'SUP_BOT_HANDLER_ABANDONED' });
  });

  test('when a handler overruns its timeout, then the sender is told, the plugin is named in the log, and the sender\'s next message runs', async (t) => {
    const slow = definePlugin({
      name: 'slow',
      setup(ctx) {
        ctx.hear('wait', (message) => new Promise((resolve) => message.signal.addEventListener('abort', () => resolve())));
        ctx.hear('next', (message) => void message.reply('next handled'));
      },
    });
    const { client, clock, logger, runtime } = await makeBot(t, [slow]);
    await runtime.start();
    client.deliver('alice', 'wait');
    client.deliver('alice', 'next');
    await settle();
    assert.deepEqual(client.sent, []);
    await clock.advance(1000);
    await runtime.idle();
    assert.deepEqual(client.textsTo('alice'), [DEFAULT_APOLOGY, 'next handled']);
    const [timeout] = logger.events('handler-timeout');
    assert.equal(timeout?.fields.plugin, 'slow');
    assert.equal(timeout?.fields.text, 'wait');
  });

  test('when a plugin sends to an offline user, then the outcome says so and nothing is logged as an error', async (t) => {
    let outcome: SendOutcome | undefined;
    const notifier = definePlugin({
      name: 'notifier',
      setup(ctx) {
        ctx.command({
          name: 'tell',
          summary: 'Tell someone',
          usage: '<user> <text...>',
          run: async ({ argv }) => {
            outcome = await ctx.send(argv[0]!, argv.slice(1).join(' '));
            return outcome;
          },
        });
      },
    });
    const { client, logger, runtime } = await makeBot(t, [notifier]);
    client.offline.add('carol');
    await runtime.start();
    client.deliver('alice', 'tell carol hi there');
    await runtime.idle();
    assert.equal(outcome, 'offline');
    assert.deepEqual(client.textsTo('alice'), ['offline']);
    assert.deepEqual(
      logger.entries.filter((e) => e.level === 'error'),
      [],
    );
  });

  test('when a plugin uses its store, then the data is in its own file under the state directory', async (t) => {
    const counter = definePlugin({
      name: 'counter',
      setup(ctx) {
        ctx.command({
          name: 'count',
          summary: 'Count',
          run: async () => {
            const n = (ctx.store.get<number>('n') ?? 0) + 1;
            await ctx.store.set('n', n);
            return String(n);
          },
        });
      },
    });
    const { client, runtime, stateDir } = await makeBot(t, [counter]);
    await runtime.start();
    client.deliver('alice', 'count');
    client.deliver('bob', 'count');
    await runtime.idle();
    await runtime.stop();
    assert.deepEqual(JSON.parse(await fsp.readFile(join(stateDir, 'counter.json'), 'utf8')), { n: 2 });
  });

  test('when two bots would ping-pong, then the loop guard holds the repeats back', async (t) => {
    const { client, logger, runtime } = await makeBot(t, [echo], {
      limits: { rate: { burst: 1000, perSecond: 1000 }, loopGuard: { max: 3, windowMs: 60_000 } },
    });
    await runtime.start();
    for (let i = 0; i < 10; i++) client.deliver('otherbot', 'ping');
    await runtime.idle();
    assert.deepEqual(client.textsTo('otherbot'), ['ping', 'ping', 'ping']);
    assert.equal(logger.events('loop-guard').length, 1);
  });

  test('when the client cannot log in, then start fails with its error and the plugins are disposed', async (t) => {
    let disposed = false;
    const plugin = definePlugin({ name: 'p', setup: () => () => void (disposed = true) });
    const { client, runtime } = await makeBot(t, [plugin]);
    client.connectError = Object.assign(new Error('102 Username Invalid'), { status: '102' });
    await assert.rejects(runtime.start(), /102 Username Invalid/);
    assert.equal(disposed, true);
    assert.equal(runtime.state, 'stopped');
  });

  test('when stopped while still connecting, then connecting is abandoned, plugins are disposed, and start rejects', async (t) => {
    let disposed = false;
    const plugin = definePlugin({ name: 'p', setup: () => () => void (disposed = true) });
    const { client, runtime } = await makeBot(t, [plugin]);
    client.holdConnect = true;
    const connecting = new Promise<void>((resolve) => client.events.once('state', () => resolve()));
    const starting = runtime.start();
    await connecting;
    await runtime.stop();
    await assert.rejects(starting, /closed while connecting/);
    assert.equal(disposed, true);
    assert.equal(runtime.state, 'stopped');
  });

  test('when stopped with paced replies still in the outbox, then they all go out before the quit', async (t) => {
    const burst = definePlugin({
      name: 'burst',
      setup(ctx) {
        ctx.hear('go', (message) => {
          for (const text of ['one', 'two', 'three']) void message.reply(text);
        });
      },
    });
    const { client, clock, runtime } = await makeBot(t, [burst], {
      limits: { rate: { burst: 1, perSecond: 2 }, shutdownTimeoutMs: 5000 },
    });
    await runtime.start();
    client.deliver('alice', 'go');
    await settle();
    assert.deepEqual(client.textsTo('alice'), ['one']);
    const stopping = runtime.stop();
    await clock.advance(1000);
    await stopping;
    assert.deepEqual(client.calls.slice(1), ['send alice one', 'send alice two', 'send alice three', 'quit']);
  });

  test('when the outbox cannot drain within the shutdown timeout, then the rest is given up, logged, and the bot still quits', async (t) => {
    const burst = definePlugin({
      name: 'burst',
      setup(ctx) {
        ctx.hear('go', (message) => {
          for (const text of ['one', 'two', 'three']) void message.reply(text).catch(() => {});
        });
      },
    });
    const { client, clock, logger, runtime } = await makeBot(t, [burst], {
      limits: { rate: { burst: 1, perSecond: 1 }, shutdownTimeoutMs: 1500 },
    });
    await runtime.start();
    client.deliver('alice', 'go');
    await settle();
    const stopping = runtime.stop();
    await clock.advance(3000);
    await stopping;
    assert.deepEqual(client.textsTo('alice'), ['one', 'two']);
    assert.deepEqual(logger.events('shutdown-timeout')[0]?.fields, { phase: 'outbox', unsent: 1 });
    assert.equal(client.calls.at(-1), 'quit');
  });

  test('when options are out of range, then the runtime refuses them naming the option', async () => {
    const base = { client: new ScriptedClient(), plugins: [], stateDir: '/tmp/x' };
    assert.throws(() => new BotRuntime({ ...base, username: 'has space' }), { code: 'SUP_BOT_INVALID_OPTION', option: 'username' });
    assert.throws(() => new BotRuntime({ ...base, username: 'bot', limits: { rate: { burst: 0 } } }), {
      option: 'limits.rate.burst',
      message: 'limits.rate.burst must be a whole number of at least 1, got 0',
    });
    assert.throws(() => new BotRuntime({ ...base, username: 'bot', limits: { rate: { perSecond: -1 } } }), {
      option: 'limits.rate.perSecond',
    });
  });
});
