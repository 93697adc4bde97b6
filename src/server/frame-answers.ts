import { ClientCommand, ClientFrameScanner } from '../protocol/client-frames.js';
import { FrameKind } from '../protocol/frame-decoder.js';
import { encodeContacts, encodeRecvPrefix, encodeStatus } from '../protocol/server-frames.js';
import { Status } from '../protocol/status.js';
import { isValidUsername } from '../protocol/username.js';
import type { ClusterRouting } from './cluster-routing.js';
import type { Connection } from './connection.js';
import { ServerCounters } from './counters.js';
import type { Deadlines } from './deadlines.js';
import { frameCommandName } from './frame-command.js';
import type { ServerLogger } from './logger.js';
import type { Presence } from './presence.js';
import { reply } from './status-queue.js';
import { INTERNAL_ERROR, NOT_ONLINE, OFFLINE, OK, ONLINE } from './status-frames.js';
import { mayTakeName } from './tls-options.js';

const MALFORMED = encodeStatus(Status.Malformed);
const NOT_LOGGED_IN = encodeStatus(Status.NotLoggedIn);
const TOO_LONG = encodeStatus(Status.MessageTooLong);
const NOT_AUTHORIZED = encodeStatus(Status.NotAuthorized);

/** The server's parts that answering a frame reads and changes. */
export interface FrameAnswersParts {
  presence: Presence<Connection>;
  /** Only in cluster mode; the single-process paths never touch it. */
  cluster: ClusterRouting | undefined;
  counters: ServerCounters;
  log: ServerLogger;
  loginDeadlines: Deadlines<Connection>;
  /** Names only a verified client certificate naming them may take. */
  reserve: ReadonlySet<string>;
  /** Verified client certificates' names; only TLS connections with one have an entry. */
  certificateNames: WeakMap<Connection, string>;
}

/**
 * The protocol's answers to each client frame, in PROTOCOL.md's rules: login, send,
 * contacts, contact and quit, each status counted; on a cluster node some are answered later.
 */
export class FrameAnswers {
  readonly #presence: Presence<Connection>;
  readonly #cluster: ClusterRouting | undefined;
  readonly #counters: ServerCounters;
  readonly #log: ServerLogger;
  readonly #loginDeadlines: Deadlines<Connection>;
  readonly #reserve: ReadonlySet<string>;
  readonly #certificateNames: WeakMap<Connection, string>;
  readonly #scanner = new ClientFrameScanner();
  #contactsNames: readonly string[] | undefined;
  #contactsFrame: Buffer | undefined;

  constructor(parts: FrameAnswersParts) {
    this.#presence = parts.presence;
    this.#cluster = parts.cluster;
    this.#counters = parts.counters;
    this.#log = parts.log;
    this.#loginDeadlines = parts.loginDeadlines;
    this.#reserve = parts.reserve;
    this.#certificateNames = parts.certificateNames;
  }

  /** Answers one frame; a bug answering it is logged and answered with 200, never thrown. */
  answer(connection: Connection, kind: FrameKind, bytes: Buffer, start: number, end: number): void {
    try {
      this.#dispatch(connection, kind, bytes, start, end);
    } catch (error) {
      // A bug answering one frame must not take the server down or stall the connection.
      this.#reject(connection, Status.InternalError, INTERNAL_ERROR);
      this.#log.error('frame-failed', {
        command: frameCommandName(bytes, start, end),
        user: connection.username,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
    }
  }

  #dispatch(connection: Connection, kind: FrameKind, bytes: Buffer, start: number, end: number): void {
    if (kind === FrameKind.Oversized) {
      this.#reject(connection, Status.MessageTooLong, TOO_LONG);
      return;
    }
    const scanner = this.#scanner;
    const command = scanner.scan(bytes, start, end);
    if (command === ClientCommand.Malformed) {
      this.#reject(connection, Status.Malformed, MALFORMED);
      return;
    }
    if (command === ClientCommand.Login) {
      const answer = this.#login(connection, bytes.toString('latin1', scanner.argumentStart, end));
      if (answer !== undefined) reply(connection, answer);
      return;
    }
    const username = connection.username;
    if (username === undefined) {
      this.#reject(connection, Status.NotLoggedIn, NOT_LOGGED_IN);
      return;
    }
    if (this.#cluster !== undefined && command !== ClientCommand.Send) {
      this.#clusterCommand(this.#cluster, connection, username, command, bytes, scanner.argumentStart, end);
      return;
    }
    switch (command) {
      case ClientCommand.Send:
        this.#send(connection, username, bytes, scanner.argumentStart, scanner.messageStart, end);
        return;
      case ClientCommand.GetContacts:
        connection.write(OK);
        connection.write(this.#contacts());
        return;
      case ClientCommand.Contact:
        connection.write(this.#presence.lookup(bytes.toString('latin1', scanner.argumentStart, end)) ? ONLINE : OFFLINE);
        return;
      case ClientCommand.Quit:
        if (!nameIs(username, bytes, scanner.argumentStart, end)) {
          this.#reject(connection, Status.UsernameMismatch, encodeStatus(Status.UsernameMismatch));
          return;
        }
        this.#presence.release(username, connection);
        connection.write(OK);
        connection.end();
        return;
    }
  }

  /** `send <to> <message>`, with the name at `bytes[toStart, messageStart - 1)` and the message up to `end`. */
  #send(sender: Connection, username: string, bytes: Buffer, toStart: number, messageStart: number, end: number): void {
    const toEnd = messageStart - 1;
    let recipient = sender.lastRecipient;
    // A name keeps its holder from login to going offline, so the last recipient stands while it is online.
    if (recipient === undefined || !recipient.online || !nameIs(recipient.username!, bytes, toStart, toEnd)) {
      recipient = this.#presence.lookup(bytes.toString('latin1', toStart, toEnd));
      sender.lastRecipient = recipient;
    }
    const prefix = (sender.recvPrefix ??= encodeRecvPrefix(username));
    if (recipient === undefined && this.#cluster !== undefined) {
      this.#cluster.send(sender, prefix, bytes, toStart, messageStart, end);
      return;
    }
    if (recipient !== undefined && recipient.deliverRecv(prefix, bytes, messageStart, end)) {
      this.#counters.messagesDelivered++;
      reply(sender, OK);
      return;
    }
    this.#counters.sendsOffline++;
    reply(sender, NOT_ONLINE);
  }

  #reject(connection: Connection, status: string, frame: Buffer): void {
    ServerCounters.add(this.#counters.framesRejected, status);
    reply(connection, frame);
  }

  /** Contacts, contact and quit on a cluster node: each asks the cluster. */
  #clusterCommand(
    cluster: ClusterRouting,
    connection: Connection,
    username: string,
    command: ClientCommand,
    bytes: Buffer,
    argumentStart: number,
    end: number,
  ): void {
    if (command === ClientCommand.GetContacts) cluster.contacts(connection);
    else if (command === ClientCommand.Contact) cluster.contact(connection, bytes.toString('latin1', argumentStart, end));
    else if (!nameIs(username, bytes, argumentStart, end)) this.#reject(connection, Status.UsernameMismatch, encodeStatus(Status.UsernameMismatch));
    else cluster.quit(connection, username);
  }

  /** The status to answer a login with; undefined when a cluster node answers it later. */
  #login(connection: Connection, username: string): Buffer | undefined {
    if (connection.username !== undefined) return this.#refuseLogin(Status.AlreadyLoggedIn);
    if (!isValidUsername(username)) return this.#refuseLogin(Status.UsernameInvalid);
    const certificateName = this.#certificateNames.get(connection);
    const reserve = this.#reserve;
    if ((certificateName !== undefined || reserve.size > 0) && !mayTakeName(username, certificateName, reserve)) {
      this.#log.warn('login-refused', {
        status: Status.NotAuthorized,
        user: username,
        certificate: certificateName ?? null,
        address: connection.socket.remoteAddress,
      });
      ServerCounters.add(this.#counters.loginsRefused, Status.NotAuthorized);
      return NOT_AUTHORIZED;
    }
    if (this.#cluster !== undefined) {
      this.#cluster.login(connection, username);
      return undefined;
    }
    if (!this.#presence.claim(username, connection)) return this.#refuseLogin(Status.UsernameTaken);
    connection.username = username;
    this.#loginDeadlines.cancel(connection.loginTicket);
    return OK;
  }

  #refuseLogin(status: typeof Status.AlreadyLoggedIn | typeof Status.UsernameInvalid | typeof Status.UsernameTaken): Buffer {
    ServerCounters.add(this.#counters.loginsRefused, status);
    return encodeStatus(status);
  }

  #contacts(): Buffer {
    const names = this.#presence.sortedNames();
    if (names !== this.#contactsNames || !this.#contactsFrame) {
      this.#contactsNames = names;
      this.#contactsFrame = encodeContacts(names);
    }
    return this.#contactsFrame;
  }
}

/** True when `bytes[start, end)` spells `name` (names are ASCII, so one byte per character). */
function nameIs(name: string, bytes: Buffer, start: number, end: number): boolean {
  if (name.length !== end - start) return false;
  for (let i = 0; i < name.length; i++) {
    if (bytes[start + i] !== name.charCodeAt(i)) return false;
  }
  return true;
}
