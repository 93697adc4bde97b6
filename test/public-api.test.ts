import assert from 'node:assert/strict';
import { test } from 'node:test';
// The package entry points, resolved through package.json "exports" as a user's import is.
import * as sup from 'sup';
import * as protocol from 'sup/protocol';
import * as testing from 'sup/testing';
import ts from 'typescript';

test('when a user imports the package, then every layer is reachable through the public entry', async (t) => {
  for (const name of ['SupClient', 'SupServer', 'definePlugin', 'loadPlugins', 'BotRuntime']) {
    assert.equal(typeof (sup as Record<string, unknown>)[name], 'function', `sup exports ${name}`);
  }
  // The codec moved to its own entry point.
  for (const name of ['FrameDecoder', 'parseClientFrame']) {
    assert.equal(typeof (protocol as Record<string, unknown>)[name], 'function', `sup/protocol exports ${name}`);
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

/** Each entry point's exact surface: values (what `import *` holds) and types (only in its .d.ts). */
const SURFACES = [
  {
    entry: 'sup',
    module: sup,
    declarations: 'dist/index.d.ts',
    values: [
      'BotError', 'BotErrorCode', 'BotOptionError', 'BotRuntime', 'BotSendError', 'CommandUsageError', 'DEFAULT_HOST',
      'DEFAULT_PORT', 'HandlerTimeoutError', 'MAX_USERNAME_LENGTH', 'PluginLoadError', 'PluginSetupError',
      'STATUS_TEXT', 'ServerListenError', 'ServerOptionError', 'Status', 'StoreError', 'SupClient', 'SupClosedError',
      'SupConnectionError', 'SupDeliveryUnknownError', 'SupError', 'SupErrorCode', 'SupInvalidArgumentError',
      'SupNotAuthorizedError', 'SupProtocolError', 'SupQueueFullError', 'SupServer', 'SupServerError', 'SupServerErrorCode', 'SupStatusError',
      'SupTimeoutError', 'createLineLogger', 'createNodeTransport', 'definePlugin', 'isValidUsername', 'loadPlugins',
      'messageProblem', 'preparePlugin', 'silentLogger', 'systemClock', 'systemScheduleClock', 'usernameProblem',
    ],
    types: [
      'AnyPlugin', 'BotClient', 'BotClientState', 'BotCommand', 'BotHttpOptions', 'BotLimits', 'BotLogger',
      'BotMessage', 'BotRuntimeOptions', 'BotRuntimeState', 'BotRuntimeStats', 'BotSendErrorCode', 'ClientTlsOptions', 'Clock',
      'CommandExample', 'CommandMessage', 'CommandOptions', 'CommandRun', 'CommandSpec', 'CronOptions', 'Disposer',
      'EveryOptions', 'HearHandler', 'HeardMessage', 'HttpHandler', 'HttpReply', 'HttpRequest', 'IncomingMessage',
      'JobFunction', 'JobRun', 'LineLoggerOptions', 'LoadPluginsOptions', 'LoadedPlugin', 'LogLevel', 'LoopGuardLimit',
      'MetricsEndpointOptions',
      'NodeTransportOptions', 'OnReconnect', 'OptionsValidator', 'Plugin', 'PluginContext', 'PluginHttp',
      'PluginLoadErrorCode', 'PluginSetupErrorCode', 'PluginSpec', 'PluginStore', 'RateLimit', 'ReconnectOptions',
      'ResolvedBotLimits', 'ScheduleClock', 'ScheduledJob', 'SendOutcome', 'ServerLogger', 'ServerTlsOptions', 'ShutdownSummary',
      'StatusCode', 'StoreErrorCode', 'SupClientEvents', 'SupClientOptions', 'SupClientState', 'SupClientStateType',
      'SupCommand', 'SupMessage', 'SupServerCounters', 'SupServerOptions', 'SupServerStats', 'Transport', 'TransportConnection',
      'TransportHandlers', 'TransportTarget',
    ],
  },
  {
    entry: 'sup/protocol',
    module: protocol,
    declarations: 'dist/protocol/index.d.ts',
    values: [
      'ClientCommand', 'DEFAULT_HOST', 'DEFAULT_MAX_FRAME_BYTES', 'DEFAULT_PORT', 'EOT', 'FrameDecoder', 'FrameKind',
      'MAX_USERNAME_LENGTH', 'OVERSIZED_FRAME', 'STATUS_TEXT', 'Status', 'encodeClientFrame', 'encodeContacts',
      'encodeRecv', 'encodeStatus', 'hasOnlyAllowedBytes', 'isStatusCode', 'isSuccessStatus', 'isValidUsername',
      'messageProblem', 'parseClientFrame', 'parseServerFrame', 'usernameProblem',
    ],
    types: [
      'ClientFrame', 'FrameDecoderOptions', 'OversizedFrame', 'ServerFrame', 'StatusCode',
    ],
  },
  {
    entry: 'sup/testing',
    module: testing,
    declarations: 'dist/testing/index.d.ts',
    values: [
      'FaultTransport', 'ScriptedUser', 'TestBotError', 'TestClock', 'TestKitErrorCode', 'createTestBot',
    ],
    types: [
      'ExampleCase', 'NameHold', 'ReconnectHold', 'TestBot', 'TestBotOptions', 'TestLogEntry',
    ],
  },
];

for (const surface of SURFACES) {
  test(`when ${surface.entry} is imported, then it exports exactly the pinned values`, () => {
    assert.deepEqual(Object.keys(surface.module).sort(), [...surface.values].sort());
  });

  test(`when ${surface.entry}'s declarations are read, then they export exactly the pinned values and types`, () => {
    const file = new URL(`../${surface.declarations}`, import.meta.url).pathname;
    const program = ts.createProgram([file], { noEmit: true, skipLibCheck: true });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(file);
    assert.ok(source, `${surface.declarations} is built`);
    const names = checker.getExportsOfModule(checker.getSymbolAtLocation(source)!).map((symbol) => symbol.name);
    assert.deepEqual(names.sort(), [...surface.values, ...surface.types].sort());
  });
}
