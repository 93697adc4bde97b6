/**
 * What a server needs from a cluster it belongs to. SupServer speaks only this; the NATS
 * implementation lives in ./cluster/ and is loaded only when a cluster is asked for.
 */
export interface ClusterLink {
  /** Takes `name` cluster-wide: 'taken' when any node holds it, 'unavailable' while uniqueness cannot be checked. */
  claim(name: string): Promise<ClaimOutcome>;
  /** Frees a name this node holds; resolves once the cluster has forgotten it (never rejects). */
  release(name: string): Promise<void>;
  /** The other node holding `name` by the latest view this node has, undefined when it knows none (ask `locate`). */
  holder(name: string): string | undefined;
  /** The other node holding `name`, asked of the cluster itself; undefined when no other node holds it. */
  locate(name: string): Promise<string | undefined>;
  /**
   * Sends `prefix` + `message[start, end)` (a `recv` frame, no EOT) to `name` on `node`; `sink.settle(ticket, outcome)`
   * is called once, after the holder has queued it (true), found nobody (false) or could not be reached ('error').
   */
  deliver(node: string, name: string, prefix: Buffer, message: Buffer, start: number, end: number, sink: DeliverySink, ticket: number): void;
  /** Whether `name` is online anywhere, asked of the cluster itself. */
  isOnline(name: string): Promise<boolean>;
  /** Every name online anywhere, in ascending byte order. */
  onlineNames(): Promise<string[]>;
  /** Called once by the server: how deliveries from other nodes reach its connections. */
  attach(local: LocalSide): void;
}

export type ClaimOutcome = 'ok' | 'taken' | 'unavailable';

export interface DeliverySink {
  settle(ticket: number, outcome: boolean | 'error'): void;
}

/** The server as the cluster sees it. */
export interface LocalSide {
  /** Queues `frame[start, end)` (a whole `recv` frame, no EOT) on `name`'s connection here; false when it is not here. */
  deliver(name: string, frame: Buffer, start: number, end: number): boolean;
  /** Closes every connection: this node may no longer serve the names it held. */
  dropAll(reason: string): void;
  /** Closes the connection holding `name` here: the cluster gave the name to someone else. */
  lost(name: string): void;
}
