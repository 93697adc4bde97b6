// The test kit, published as `sup/testing`: every export is named here on purpose, and
// test/public-api.test.ts pins the list.
export {
  createTestBot,
  type TestBot,
  type TestBotOptions,
  type TestLogEntry,
  type ExampleCase,
  type ReconnectHold,
  type NameHold,
} from './test-bot.js';
export { TestBotError, TestKitErrorCode } from './errors.js';
export { ScriptedUser } from './scripted-user.js';
export { FaultTransport } from './fault-transport.js';
export { TestClock } from './test-clock.js';
