import { SupStatusError } from '../client/errors.js';
import { Status } from '../protocol/status.js';
import type { IncomingMessage } from './dispatcher.js';

/**
 * The part of `SupClient` the runtime uses. The runtime depends on this, not on the class,
 * so it can be driven by a scripted client in tests; a real `SupClient` fits it as it is.
 */
export interface BotClient {
  /** Resolves once logged in (the client keeps retrying by itself). */
  connect(): Promise<unknown>;
  /** Resolves on 000; rejects with an error whose `status` is '104' when the user is offline. */
  send(to: string, text: string): Promise<unknown>;
  on(event: 'message', listener: (message: IncomingMessage) => void): unknown;
  /** Connection state changes; the runtime logs them. */
  on(event: 'state', listener: (state: BotClientState) => void): unknown;
  off(event: 'message', listener: (message: IncomingMessage) => void): unknown;
  off(event: 'state', listener: (state: BotClientState) => void): unknown;
  /** Logs out politely and closes; no reconnect after. */
  quit(): Promise<unknown>;
  /** Closes at once; pending requests reject. */
  close(): unknown;
}

/** The part of the client's state the runtime logs. */
export interface BotClientState {
  readonly type: string;
  readonly attempt?: number;
  readonly delayMs?: number;
  readonly lastError?: Error;
}

/** True when an error from `send` is the server's 104: the recipient is not online. */
export function isOfflineError(error: unknown): boolean {
  return error instanceof SupStatusError && error.status === Status.UserNotOnline;
}
