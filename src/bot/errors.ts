/** Base of every error the bot runtime throws; branch on `code`. */
export class BotError extends Error {
  override name = 'BotError';
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** Stable codes of {@link PluginLoadError}. */
export const PluginLoadErrorCode = {
  /** The module path or package name does not resolve to a file. */
  NotFound: 'SUP_PLUGIN_NOT_FOUND',
  /** Importing the module threw (syntax error, missing dependency, top-level throw). */
  ImportFailed: 'SUP_PLUGIN_IMPORT_FAILED',
  /** The default export is not a plugin made with `definePlugin`. */
  InvalidShape: 'SUP_PLUGIN_INVALID_SHAPE',
  /** The plugin's option validator rejected the options it was given. */
  InvalidOptions: 'SUP_PLUGIN_INVALID_OPTIONS',
  /** Two plugins of one bot carry the same name (their stores and logs would mix). */
  DuplicateName: 'SUP_PLUGIN_DUPLICATE_NAME',
} as const;
export type PluginLoadErrorCode = (typeof PluginLoadErrorCode)[keyof typeof PluginLoadErrorCode];

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

/** Stable codes of {@link PluginSetupError}. */
export const PluginSetupErrorCode = {
  /** `setup(ctx)` threw or rejected. */
  SetupFailed: 'SUP_PLUGIN_SETUP_FAILED',
  /** A command name or alias is already taken by another command. */
  DuplicateCommand: 'SUP_PLUGIN_DUPLICATE_COMMAND',
  /** A command spec or hear pattern is not usable. */
  InvalidRegistration: 'SUP_PLUGIN_INVALID_REGISTRATION',
} as const;
export type PluginSetupErrorCode = (typeof PluginSetupErrorCode)[keyof typeof PluginSetupErrorCode];

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
  readonly option: string;

  constructor(option: string, message: string) {
    super('SUP_BOT_INVALID_OPTION', message);
    this.option = option;
  }
}

/** Stable codes of {@link BotSendError}. */
export const BotSendErrorCode = {
  /** The text cannot travel as a Sup message (empty, forbidden byte, too long). */
  InvalidMessage: 'SUP_BOT_INVALID_MESSAGE',
  /** The recipient is not a valid username. */
  InvalidRecipient: 'SUP_BOT_INVALID_RECIPIENT',
  /** The bot stopped before the message could go out. */
  Stopped: 'SUP_BOT_STOPPED',
  /** The handler that sent it had already been given up on (timeout or shutdown). */
  HandlerAbandoned: 'SUP_BOT_HANDLER_ABANDONED',
} as const;
export type BotSendErrorCode = (typeof BotSendErrorCode)[keyof typeof BotSendErrorCode];

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
  readonly timeoutMs: number;

  constructor(timeoutMs: number) {
    super('SUP_BOT_HANDLER_TIMEOUT', `the handler did not finish within ${timeoutMs} ms and was abandoned`);
    this.timeoutMs = timeoutMs;
  }
}

/**
 * Thrown from a command's `run` when the arguments are wrong: the sender gets the message
 * followed by the command's usage line, and it is not logged as a failure.
 */
export class CommandUsageError extends BotError {
  override name = 'CommandUsageError';

  constructor(message: string) {
    super('SUP_COMMAND_USAGE', message);
  }
}

/** Stable codes of {@link StoreError}. */
export const StoreErrorCode = {
  /** The store file exists but is not a JSON object; it is left untouched. */
  Corrupt: 'SUP_STORE_CORRUPT',
  /** Reading the store file failed for another reason (permissions, I/O). */
  ReadFailed: 'SUP_STORE_READ_FAILED',
  /** Writing the store file failed; the previous file is still intact. */
  WriteFailed: 'SUP_STORE_WRITE_FAILED',
  /** The value cannot be stored as JSON. */
  InvalidValue: 'SUP_STORE_INVALID_VALUE',
} as const;
export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

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
