/** Running totals since the server started; what `/metrics` exports. */
export interface SupServerCounters {
  /** `send`s answered 000: the `recv` was queued on the recipient's connection. */
  messagesDelivered: number;
  /** `send`s answered 104: the recipient was not online. */
  sendsOffline: number;
  /** Connections closed because their unsent output passed `maxOutputBytes`. */
  slowConsumerDisconnects: number;
  /** Refused logins, by status (101, 102, 106, 109). */
  loginsRefused: Readonly<Record<string, number>>;
  /** Frames answered with an error other than a refused login or a 104, by status (100, 105, 107, 108, 200). */
  framesRejected: Readonly<Record<string, number>>;
  /** Connections refused before any frame (201), by the limit that refused them. */
  connectionsRefused: Readonly<Record<string, number>>;
}

/** The server's counters: plain numbers, so the per-message cost is one increment. */
export class ServerCounters implements SupServerCounters {
  messagesDelivered = 0;
  sendsOffline = 0;
  slowConsumerDisconnects = 0;
  readonly loginsRefused: Record<string, number> = {};
  readonly framesRejected: Record<string, number> = {};
  readonly connectionsRefused: Record<string, number> = {};

  static add(table: Record<string, number>, key: string): void {
    table[key] = (table[key] ?? 0) + 1;
  }

  snapshot(): SupServerCounters {
    return {
      messagesDelivered: this.messagesDelivered,
      sendsOffline: this.sendsOffline,
      slowConsumerDisconnects: this.slowConsumerDisconnects,
      loginsRefused: { ...this.loginsRefused },
      framesRejected: { ...this.framesRejected },
      connectionsRefused: { ...this.connectionsRefused },
    };
  }
}
