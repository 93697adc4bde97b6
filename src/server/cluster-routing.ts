import { encodeContacts, encodeStatus } from '../protocol/server-frames.js';
import { Status } from '../protocol/status.js';
import { isValidUsername } from '../protocol/username.js';
import type { ClusterLink, LocalSide } from './cluster-link.js';
import type { Connection } from './connection.js';
import { ServerCounters } from './counters.js';
import type { ServerLogger } from './logger.js';
import type { Presence } from './presence.js';
import { reply, StatusQueue, type DeliveryAnswers } from './status-queue.js';
import { INTERNAL_ERROR, NOT_ONLINE, OFFLINE, OK, ONLINE } from './status-frames.js';

const TAKEN = encodeStatus(Status.UsernameTaken);
const EMPTY = Buffer.alloc(0);

/** What the cluster paths need of the server they serve. */
export interface RoutingHost {
  readonly presence: Presence<Connection>;
  readonly connections: ReadonlySet<Connection>;
  readonly log: ServerLogger;
  /** What `/metrics` exports: remote sends and refused logins count here as local ones do. */
  readonly counters: ServerCounters;
  /** A login succeeded: stop its login timeout. */
  loggedIn(connection: Connection): void;
}

/**
 * The server's answers that need the rest of the cluster: a login, a send to a user not on
 * this node, contacts. Each one that waits suspends its connection or reserves a slot in
 * its status queue, so statuses still come back in frame order.
 */
export class ClusterRouting implements LocalSide {
  readonly #link: ClusterLink;
  readonly #host: RoutingHost;
  readonly #answers: DeliveryAnswers;

  constructor(link: ClusterLink, host: RoutingHost) {
    this.#link = link;
    this.#host = host;
    const { counters } = host;
    this.#answers = {
      delivered: OK,
      notOnline: NOT_ONLINE,
      error: INTERNAL_ERROR,
      tally: (outcome) => {
        if (outcome === true) counters.messagesDelivered++;
        else if (outcome === false) counters.sendsOffline++;
        else ServerCounters.add(counters.framesRejected, Status.InternalError);
      },
    };
    link.attach(this);
  }

  /** `login <name>` once the name is valid, free here, and the connection not logged in. */
  login(connection: Connection, name: string): void {
    if (this.#host.presence.lookup(name) !== undefined) {
      this.#refuseTaken(connection);
      return;
    }
    connection.suspend();
    this.#link.claim(name).then(
      (outcome) => {
        if (!connection.online) {
          if (outcome === 'ok') void this.#link.release(name);
          return;
        }
        if (outcome === 'ok' && this.#host.presence.claim(name, connection)) {
          connection.username = name;
          this.#host.loggedIn(connection);
          reply(connection, OK);
        } else if (outcome === 'unavailable') {
          this.#host.log.warn('login-refused', { reason: 'cluster-unavailable' });
          ServerCounters.add(this.#host.counters.framesRejected, Status.InternalError);
          reply(connection, INTERNAL_ERROR);
        } else {
          if (outcome === 'ok') void this.#link.release(name);
          this.#refuseTaken(connection);
        }
        connection.resume();
      },
      () => this.#failed(connection),
    );
  }

  /** `send` to a user who is not on this node. */
  send(sender: Connection, prefix: Buffer, bytes: Buffer, toStart: number, messageStart: number, end: number): void {
    const to = bytes.toString('latin1', toStart, messageStart - 1);
    const node = isValidUsername(to) ? this.#link.holder(to) : undefined;
    if (node !== undefined) {
      this.#forward(sender, node, to, prefix, bytes, messageStart, end);
      return;
    }
    if (!isValidUsername(to)) {
      this.#answers.tally!(false);
      reply(sender, NOT_ONLINE);
      return;
    }
    // Not known here yet: ask the cluster before ever answering 104. The message is copied, as the bytes last only this call.
    const message = Buffer.from(bytes.subarray(messageStart, end));
    sender.suspend();
    this.#link.locate(to).then(
      (holder) => {
        if (!sender.online) return;
        if (holder !== undefined) this.#forward(sender, holder, to, prefix, message, 0, message.length);
        else {
          const recipient = this.#host.presence.lookup(to);
          const delivered = recipient !== undefined && recipient.deliverRecv(prefix, message, 0, message.length);
          this.#answers.tally!(delivered);
          reply(sender, delivered ? OK : NOT_ONLINE);
        }
        sender.resume();
      },
      () => this.#failed(sender),
    );
  }

  contacts(connection: Connection): void {
    connection.suspend();
    this.#link.onlineNames().then(
      (names) => {
        reply(connection, OK);
        reply(connection, encodeContacts(names));
        connection.resume();
      },
      () => this.#failed(connection),
    );
  }

  contact(connection: Connection, name: string): void {
    if (this.#host.presence.lookup(name) !== undefined) {
      reply(connection, ONLINE);
      return;
    }
    if (!isValidUsername(name)) {
      reply(connection, OFFLINE);
      return;
    }
    connection.suspend();
    this.#link.isOnline(name).then(
      (online) => {
        reply(connection, online ? ONLINE : OFFLINE);
        connection.resume();
      },
      () => this.#failed(connection),
    );
  }

  /** `quit <name>`: the 000 goes out after every earlier status and once the name is free cluster-wide. */
  quit(connection: Connection, name: string): void {
    connection.suspend();
    const release = (): void => {
      this.#host.presence.release(name, connection);
      void this.#link.release(name).then(() => {
        reply(connection, OK);
        connection.end();
      });
    };
    if (connection.statuses === undefined) release();
    else connection.statuses.whenEmpty(release);
  }

  /** The connection's user went offline: free the name cluster-wide too, unless it already was. */
  offline(connection: Connection): Promise<void> | undefined {
    const name = connection.username!;
    return this.#host.presence.lookup(name) === connection ? this.#link.release(name) : undefined;
  }

  deliver(name: string, frame: Buffer, start: number, end: number): boolean {
    const recipient = this.#host.presence.lookup(name);
    return recipient !== undefined && recipient.deliverRecv(EMPTY, frame, start, end);
  }

  dropAll(): void {
    for (const connection of this.#host.connections) connection.destroy();
  }

  lost(name: string): void {
    this.#host.presence.lookup(name)?.destroy();
  }

  #forward(sender: Connection, node: string, to: string, prefix: Buffer, message: Buffer, start: number, end: number): void {
    const queue = (sender.statuses ??= new StatusQueue(sender, this.#answers));
    this.#link.deliver(node, to, prefix, message, start, end, queue, queue.reserve());
  }

  #refuseTaken(connection: Connection): void {
    ServerCounters.add(this.#host.counters.loginsRefused, Status.UsernameTaken);
    reply(connection, TAKEN);
  }

  #failed(connection: Connection): void {
    ServerCounters.add(this.#host.counters.framesRejected, Status.InternalError);
    reply(connection, INTERNAL_ERROR);
    connection.resume();
  }
}
