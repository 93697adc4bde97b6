import type { Socket } from 'node:net';

/** What a graceful shutdown wrote out and what its deadline cut off. */
export interface ShutdownSummary {
  /** Connections open when the shutdown began. */
  connections: number;
  /** Messages (`recv` frames) queued when it began and handed to the kernel before their connection closed. */
  flushedMessages: number;
  /** Bytes of output queued when it began and handed to the kernel. */
  flushedBytes: number;
  /** Acknowledged messages still unsent when the deadline (or the peer vanishing) closed their connection. */
  droppedMessages: number;
  /** Bytes of output dropped with them. */
  droppedBytes: number;
  /** True when the deadline passed with connections still open (that held output or had not closed). */
  timedOut: boolean;
}

export const NOTHING_DRAINED: ShutdownSummary = Object.freeze({
  connections: 0,
  flushedMessages: 0,
  flushedBytes: 0,
  droppedMessages: 0,
  droppedBytes: 0,
  timedOut: false,
});

/** What draining needs of a connection. */
export interface DrainableConnection {
  readonly socket: Socket;
  readonly unsentBytes: number;
  readonly unsentMessages: number;
  endForShutdown(): void;
  destroy(): void;
}

/**
 * Ends every connection after its queued output, and resolves once all have closed or
 * `timeoutMs` has passed, when those left are destroyed and what they still held is counted
 * as dropped. A connection counts as flushed once its socket has handed everything to the
 * kernel ('finish'); one that closes before that (the peer reset) counts all it held as dropped.
 */
export async function drainConnections(connections: readonly DrainableConnection[], timeoutMs: number): Promise<ShutdownSummary> {
  const summary = { ...NOTHING_DRAINED, connections: connections.length };
  const draining = connections.map((connection) => {
    const queuedBytes = connection.unsentBytes;
    const queuedMessages = connection.unsentMessages;
    connection.endForShutdown();
    const { socket } = connection;
    let finished = socket.writableFinished;
    const settle = (): void => {
      if (finished) return;
      finished = true;
      summary.flushedBytes += queuedBytes;
      summary.flushedMessages += queuedMessages;
    };
    if (finished) settle();
    else socket.once('finish', settle);
    const closed = new Promise<void>((resolve) => {
      if (socket.closed) resolve();
      else socket.once('close', () => resolve());
    });
    return {
      connection,
      closed,
      get finished() {
        return finished;
      },
      queuedBytes,
      queuedMessages,
    };
  });
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, 'deadline');
  });
  const allClosed = Promise.all(draining.map((d) => d.closed));
  const outcome = await Promise.race([allClosed, deadline]);
  clearTimeout(timer);
  summary.timedOut = outcome === 'deadline' && draining.some((d) => !d.connection.socket.closed);
  for (const d of draining) {
    if (d.finished) continue;
    // Counted before destroying: afterwards the socket no longer says what it held.
    const stillOpen = !d.connection.socket.closed;
    const droppedMessages = stillOpen ? d.connection.unsentMessages : d.queuedMessages;
    const droppedBytes = stillOpen ? d.connection.unsentBytes : d.queuedBytes;
    summary.droppedMessages += droppedMessages;
    summary.droppedBytes += droppedBytes;
    summary.flushedMessages += d.queuedMessages - droppedMessages;
    summary.flushedBytes += Math.max(0, d.queuedBytes - droppedBytes);
    d.connection.destroy();
  }
  if (summary.timedOut) {
    // Flushed, but the peer has not closed: what it was sent is with its kernel now.
    for (const d of draining) d.connection.destroy();
    await allClosed;
  }
  return summary;
}
