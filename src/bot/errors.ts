/** Every `code` a bot runtime error can carry, each naming one failure; callers branch on these. */
export const BotErrorCode = {
  /** A plugin's module path or package name does not resolve to a file. */
  PluginNotFound: 'SUP_PLUGIN_NOT_FOUND',
  /** Importing a plugin module threw (syntax error, missing dependency, top-level throw). */
  PluginImportFailed: 'SUP_PLUGIN_IMPORT_FAILED',
  /** A plugin module's default export is not a plugin made with `definePlugin`. */
  PluginInvalidShape: 'SUP_PLUGIN_INVALID_SHAPE',
  /** A plugin's option validator rejected the options it was given. */
  PluginInvalidOptions: 'SUP_PLUGIN_INVALID_OPTIONS',
  /** Two plugins of one bot carry the same name (their stores and logs would mix). */
  PluginDuplicateName: 'SUP_PLUGIN_DUPLICATE_NAME',
  /** A plugin's `setup(ctx)` threw or rejected. */
  PluginSetupFailed: 'SUP_PLUGIN_SETUP_FAILED',
  /** A command name or alias is already taken by another command. */
  PluginDuplicateCommand: 'SUP_PLUGIN_DUPLICATE_COMMAND',
  /** A command spec or hear pattern is not usable. */
  PluginInvalidRegistration: 'SUP_PLUGIN_INVALID_REGISTRATION',
  /** A runtime option (limits, username, state directory) is missing or out of range. */
  InvalidOption: 'SUP_BOT_INVALID_OPTION',
  /** `start()` was called on a bot that was already started. */
  AlreadyStarted: 'SUP_BOT_ALREADY_STARTED',
  /** `stop()` was called while the bot was still starting, so it never started. */
  StartAborted: 'SUP_BOT_START_ABORTED',
  /** The bot's HTTP routes could not listen on their address (in use, not permitted). */
  HttpListenFailed: 'SUP_BOT_HTTP_LISTEN_FAILED',
  /** The running sup package (for plugins that `import 'sup'`) could not be found above the runtime. */
  PackageNotFound: 'SUP_BOT_PACKAGE_NOT_FOUND',
  /** Shutdown gave up waiting for a handler after `limits.shutdownTimeoutMs`. */
  ShutdownTimeout: 'SUP_BOT_SHUTDOWN_TIMEOUT',
  /** The text of a message from the bot cannot travel as a Sup message (empty, forbidden byte, too long). */
  InvalidMessage: 'SUP_BOT_INVALID_MESSAGE',
  /** The recipient of a message from the bot is not a valid username. */
  InvalidRecipient: 'SUP_BOT_INVALID_RECIPIENT',
  /** The bot stopped before a message from it could go out. */
  Stopped: 'SUP_BOT_STOPPED',
  /** The handler that sent a message had already been given up on (timeout or shutdown). */
  HandlerAbandoned: 'SUP_BOT_HANDLER_ABANDONED',
  /** A handler did not settle within `handlerTimeoutMs`. */
  HandlerTimeout: 'SUP_BOT_HANDLER_TIMEOUT',
  /** A command's `run` refused its arguments; the sender gets the usage line. */
  CommandUsage: 'SUP_COMMAND_USAGE',
  /** A plugin's store file exists but is not a JSON object; it is left untouched. */
  StoreCorrupt: 'SUP_STORE_CORRUPT',
  /** Reading a plugin's store file failed for another reason (permissions, I/O). */
  StoreReadFailed: 'SUP_STORE_READ_FAILED',
  /** Writing a plugin's store file failed; the previous file is still intact. */
  StoreWriteFailed: 'SUP_STORE_WRITE_FAILED',
  /** A value given to a plugin's store cannot be stored as JSON. */
  StoreInvalidValue: 'SUP_STORE_INVALID_VALUE',
} as const;

export type BotErrorCode = (typeof BotErrorCode)[keyof typeof BotErrorCode];

/** Base of every error the bot runtime throws; branch on `code`. */
export class BotError extends Error {
  override name = 'BotError';
  readonly code: BotErrorCode;

  constructor(code: BotErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The codes of {@link PluginLoadError}. */
export type PluginLoadErrorCode =
  | typeof BotErrorCode.PluginNotFound
  | typeof BotErrorCode.PluginImportFailed
  | typeof BotErrorCode.PluginInvalidShape
  | typeof BotErrorCode.PluginInvalidOptions
  | typeof BotErrorCode.PluginDuplicateName;

/** A plugin module could not be loaded or its options were refused; start-up stops. */
export class PluginLoadError extends BotError {
  override name = 'PluginLoadError';
  declare readonly code: PluginLoadErrorCode;
  /** The module as it was given (path or package name). */
  readonly module: string;
  /** The plugin's own name, once known. */
  readonly plugin: string | undefined;

  constructor(
    code: PluginLoadErrorCode,
    message: string,
    details: { module: string; plugin?: string | undefined; cause?: unknown },
  ) {
    super(code, message, { cause: details.cause });
    this.module = details.module;
    this.plugin = details.plugin;
  }
}

/** The codes of {@link PluginSetupError}. */
export type PluginSetupErrorCode =
  | typeof BotErrorCode.PluginSetupFailed
  | typeof BotErrorCode.PluginDuplicateCommand
  | typeof BotErrorCode.PluginInvalidRegistration;

/** A plugin's `setup` failed or registered something unusable; start-up stops. */
export class PluginSetupError extends BotError {
  override name = 'PluginSetupError';
  declare readonly code: PluginSetupErrorCode;
  readonly plugin: string;

  constructor(code: PluginSetupErrorCode, plugin: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.plugin = plugin;
  }
}

/** A runtime option (limits, username, state directory) is missing or out of range. */
export class BotOptionError extends BotError {
  override name = 'BotOptionError';
  declare readonly code: typeof BotErrorCode.InvalidOption;
  readonly option: string;

  constructor(option: string, message: string) {
    super(BotErrorCode.InvalidOption, message);
    this.option = option;
  }
}

/** The codes of {@link BotSendError}. */
export type BotSendErrorCode =
  | typeof BotErrorCode.InvalidMessage
  | typeof BotErrorCode.InvalidRecipient
  | typeof BotErrorCode.Stopped
  | typeof BotErrorCode.HandlerAbandoned;

/** A message from the bot was refused before reaching the server. */
export class BotSendError extends BotError {
  override name = 'BotSendError';
  declare readonly code: BotSendErrorCode;

  constructor(code: BotSendErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/** A handler did not settle within `handlerTimeoutMs`; its signal was aborted. */
export class HandlerTimeoutError extends BotError {
  override name = 'HandlerTimeoutError';
  declare readonly code: typeof BotErrorCode.HandlerTimeout;
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super(BotErrorCode.HandlerTimeout, `the handler did not finish within ${timeoutMs} ms and was abandoned`);
    this.timeoutMs = timeoutMs;
  }
}

// Plugins import the class from the package while `sup bot` runs a bundled copy of the runtime,
// so instanceof goes by a brand both copies share.
const COMMAND_USAGE_BRAND = Symbol.for('sup.CommandUsageError');

/**
 * Thrown from a command's `run` when the arguments are wrong: the sender gets the message
 * followed by the command's usage line, and it is not logged as a failure.
 */
export class CommandUsageError extends BotError {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && COMMAND_USAGE_BRAND in value;
  }

  override name = 'CommandUsageError';
  declare readonly code: typeof BotErrorCode.CommandUsage;
  readonly [COMMAND_USAGE_BRAND] = true;

  constructor(message: string) {
    super(BotErrorCode.CommandUsage, message);
  }
}

/** The codes of {@link StoreError}. */
export type StoreErrorCode =
  | typeof BotErrorCode.StoreCorrupt
  | typeof BotErrorCode.StoreReadFailed
  | typeof BotErrorCode.StoreWriteFailed
  | typeof BotErrorCode.StoreInvalidValue;

/** The per-plugin store could not be read or written. */
export class StoreError extends BotError {
  override name = 'StoreError';
  declare readonly code: StoreErrorCode;
  readonly file: string;

  constructor(code: StoreErrorCode, file: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.file = file;
  }
}
