// The test kit, published as `sup/testing`: every export is named here on purpose.
export {
  createTestBot,
  TestBot,
  TestBotError,
  DEFAULT_IDLE_TIMEOUT_MS,
  DEFAULT_RECEIVE_TIMEOUT_MS,
  type TestBotOptions,
  type TestLogEntry,
  type ExampleCase,
  type ReconnectHold,
  type NameHold,
} from './test-bot.js';
export { ScriptedUser } from './scripted-user.js';
export { FaultTransport } from './fault-transport.js';
export { TestClock } from './test-clock.js';
