import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  BotError,
  BotErrorCode,
  BotOptionError,
  BotSendError,
  CommandUsageError,
  HandlerTimeoutError,
  PluginLoadError,
  PluginSetupError,
  StoreError,
} from '../src/bot/errors.js';
import {
  SupClosedError,
  SupConnectionError,
  SupDeliveryUnknownError,
  SupError,
  SupErrorCode,
  SupInvalidArgumentError,
  SupNotAuthorizedError,
  SupProtocolError,
  SupQueueFullError,
  SupStatusError,
  SupTimeoutError,
} from '../src/client/errors.js';
import { ClusterUnavailableError, ServerListenError, ServerOptionError, SupServerError, SupServerErrorCode } from '../src/server/errors.js';
import { TestBotError, TestKitErrorCode } from '../src/testing/errors.js';

type ErrorClass = abstract new (...args: never[]) => Error;

/** One code: the class that raises it and a way to make one, with `cause` kept where it has one. */
interface Row {
  readonly code: string;
  readonly type: ErrorClass;
  readonly make: (cause: Error) => Error & { code: string };
  readonly keepsCause: boolean;
}

interface Layer {
  readonly name: string;
  readonly codes: Readonly<Record<string, string>>;
  readonly base: ErrorClass;
  readonly rows: readonly Row[];
}

const where = { host: '127.0.0.1', port: 7877 };

const LAYERS: readonly Layer[] = [
  {
    name: 'client',
    codes: SupErrorCode,
    base: SupError,
    rows: [
      { code: SupErrorCode.Status, type: SupStatusError, keepsCause: false, make: () => new SupStatusError('send', '104', 'Messaged User Not Online', 'm') },
      { code: SupErrorCode.ConnectFailed, type: SupConnectionError, keepsCause: true, make: (c) => new SupConnectionError(SupErrorCode.ConnectFailed, 'm', where, c) },
      { code: SupErrorCode.ConnectionLost, type: SupConnectionError, keepsCause: true, make: (c) => new SupConnectionError(SupErrorCode.ConnectionLost, 'm', where, c) },
      { code: SupErrorCode.ConnectTimeout, type: SupTimeoutError, keepsCause: false, make: () => new SupTimeoutError(SupErrorCode.ConnectTimeout, 'm', 1) },
      { code: SupErrorCode.RequestTimeout, type: SupTimeoutError, keepsCause: false, make: () => new SupTimeoutError(SupErrorCode.RequestTimeout, 'm', 1, 'send') },
      { code: SupErrorCode.QueueTimeout, type: SupTimeoutError, keepsCause: false, make: () => new SupTimeoutError(SupErrorCode.QueueTimeout, 'm', 1, 'send') },
      { code: SupErrorCode.QueueFull, type: SupQueueFullError, keepsCause: false, make: () => new SupQueueFullError('m', 1) },
      { code: SupErrorCode.DeliveryUnknown, type: SupDeliveryUnknownError, keepsCause: true, make: (c) => new SupDeliveryUnknownError('send', 'm', c) },
      { code: SupErrorCode.Closed, type: SupClosedError, keepsCause: true, make: (c) => new SupClosedError('m', c) },
      { code: SupErrorCode.InvalidArgument, type: SupInvalidArgumentError, keepsCause: false, make: () => new SupInvalidArgumentError('to', 'm') },
      { code: SupErrorCode.ProtocolViolation, type: SupProtocolError, keepsCause: false, make: () => new SupProtocolError('m', 'bogus') },
      { code: SupErrorCode.NotAuthorized, type: SupNotAuthorizedError, keepsCause: false, make: () => new SupNotAuthorizedError('login', '109', 'Not Authorized', 'm') },
    ],
  },
  {
    name: 'server',
    codes: SupServerErrorCode,
    base: SupServerError,
    rows: [
      { code: SupServerErrorCode.InvalidOption, type: ServerOptionError, keepsCause: false, make: () => new ServerOptionError('port', 'm') },
      { code: SupServerErrorCode.ListenFailed, type: ServerListenError, keepsCause: true, make: (c) => new ServerListenError('m', c) },
      { code: SupServerErrorCode.ClusterUnavailable, type: ClusterUnavailableError, keepsCause: true, make: (c) => new ClusterUnavailableError('m', c) },
    ],
  },
  {
    name: 'bot',
    codes: BotErrorCode,
    base: BotError,
    rows: [
      ...(['PluginNotFound', 'PluginImportFailed', 'PluginInvalidShape', 'PluginInvalidOptions', 'PluginDuplicateName'] as const).map(
        (key): Row => ({
          code: BotErrorCode[key],
          type: PluginLoadError,
          keepsCause: true,
          make: (c) => new PluginLoadError(BotErrorCode[key], 'm', { module: './x.js', cause: c }),
        }),
      ),
      ...(['PluginSetupFailed', 'PluginDuplicateCommand', 'PluginInvalidRegistration'] as const).map(
        (key): Row => ({
          code: BotErrorCode[key],
          type: PluginSetupError,
          keepsCause: true,
          make: (c) => new PluginSetupError(BotErrorCode[key], 'p', 'm', { cause: c }),
        }),
      ),
      { code: BotErrorCode.InvalidOption, type: BotOptionError, keepsCause: false, make: () => new BotOptionError('limits.x', 'm') },
      ...(['AlreadyStarted', 'StartAborted', 'HttpListenFailed', 'PackageNotFound', 'ShutdownTimeout'] as const).map(
        (key): Row => ({ code: BotErrorCode[key], type: BotError, keepsCause: true, make: (c) => new BotError(BotErrorCode[key], 'm', { cause: c }) }),
      ),
      ...(['InvalidMessage', 'InvalidRecipient', 'Stopped', 'HandlerAbandoned'] as const).map(
        (key): Row => ({ code: BotErrorCode[key], type: BotSendError, keepsCause: true, make: (c) => new BotSendError(BotErrorCode[key], 'm', { cause: c }) }),
      ),
      { code: BotErrorCode.HandlerTimeout, type: HandlerTimeoutError, keepsCause: false, make: () => new HandlerTimeoutError(5) },
      { code: BotErrorCode.CommandUsage, type: CommandUsageError, keepsCause: false, make: () => new CommandUsageError('m') },
      ...(['StoreCorrupt', 'StoreReadFailed', 'StoreWriteFailed', 'StoreInvalidValue'] as const).map(
        (key): Row => ({ code: BotErrorCode[key], type: StoreError, keepsCause: true, make: (c) => new StoreError(BotErrorCode[key], '/s.json', 'm', { cause: c }) }),
      ),
    ],
  },
  {
    name: 'testing',
    codes: TestKitErrorCode,
    base: Error,
    rows: [
      {
        code: TestKitErrorCode.BotLoggedErrors,
        type: TestBotError,
        keepsCause: true,
        make: (c) => new TestBotError([{ level: 'error', event: 'handler-failed', fields: { error: c } }]),
      },
    ],
  },
];

describe('the error catalogue', () => {
  for (const layer of LAYERS) {
    test(`when the ${layer.name} code list is read, then every code has exactly one row here, each a distinct SUP_ string`, () => {
      const listed = Object.values(layer.codes).sort();
      assert.deepEqual([...new Set(listed)], listed, 'a code string is listed twice');
      assert.deepEqual(layer.rows.map((row) => row.code).sort(), listed);
      for (const code of listed) assert.match(code, /^SUP_[A-Z_]+$/);
    });

    for (const row of layer.rows) {
      test(`when a ${row.code} is made, then it is a ${row.type.name} with that code, its own name and its cause`, () => {
        const cause = new Error('the cause');
        const error = row.make(cause);
        assert.ok(error instanceof row.type);
        assert.ok(error instanceof layer.base);
        assert.equal(error.code, row.code);
        assert.equal(error.name, row.type.name);
        assert.ok(error.message.length > 0);
        if (row.keepsCause) assert.equal(error.cause, cause);
      });
    }
  }

  test('when every layer is taken together, then no code string means two things', () => {
    const all = LAYERS.flatMap((layer) => Object.values(layer.codes));
    assert.equal(new Set(all).size, all.length);
  });

  test("when a plugin's own copy of the package throws CommandUsageError, then instanceof still knows it", () => {
    // What a second copy of the class (the plugin's import, beside the CLI's bundled runtime) makes.
    const fromAnotherCopy = Object.assign(new Error('usage'), { [Symbol.for('sup.CommandUsageError')]: true });
    assert.ok(fromAnotherCopy instanceof CommandUsageError);
    assert.ok(!(new BotError(BotErrorCode.Stopped, 'm') instanceof CommandUsageError));
  });
});
