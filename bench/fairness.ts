import type { Socket } from 'node:net';
import { formatMicros, formatRate, markdownTable } from './format.js';
import { isClean, runPairs, type PairsResult } from './load.js';
import type { Section } from './cli-scenarios.js';
import type { RunningServer } from './servers.js';
import { EOT, openIdle, Target } from './wire.js';

export interface FairnessRun {
  /** Idle logged-in users, so each contacts reply is large. */
  users: number;
  /** Pairs measured, each with one send in flight. */
  pairs: number;
  payloadBytes: number;
  warmupMs: number;
  durationMs: number;
  workers: number;
}

// Requests the flooder keeps outstanding: a pipelining client that never waits for its replies.
const FLOOD_WINDOW = 2_000;
const GET_CONTACTS = Buffer.from('get contacts\x04', 'latin1');

/** One client pipelining `get contacts` without pause, reading (and dropping) the replies as fast as it can. */
class ContactsFlood {
  replies = 0;
  readonly #socket: Socket;
  #outstanding = 0;
  #frames = 0;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#onData(chunk));
    socket.on('error', () => {});
    this.#topUp();
  }

  stop(): void {
    this.#socket.destroy();
  }

  #topUp(): void {
    const missing = FLOOD_WINDOW - this.#outstanding;
    if (missing < FLOOD_WINDOW / 2) return;
    this.#socket.write(Buffer.concat(Array.from({ length: missing }, () => GET_CONTACTS)));
    this.#outstanding += missing;
  }

  #onData(chunk: Buffer): void {
    let at = chunk.indexOf(EOT);
    while (at !== -1) {
      // Each request is answered by two frames: the status, then the list.
      if (++this.#frames % 2 === 0) {
        this.#outstanding--;
        this.replies++;
      }
      at = chunk.indexOf(EOT, at + 1);
    }
    this.#topUp();
  }
}

interface FairnessRow {
  label: string;
  result: PairsResult;
  floodRepliesPerSecond: number | undefined;
}

/**
 * Other users' ack latency while one client floods the server with pipelined `get contacts`
 * (about 1,000 bytes out per byte in with 1,000 users online), against the same load without it.
 */
export async function fairnessSection(start: () => Promise<RunningServer>, run: FairnessRun): Promise<Section> {
  const rows: FairnessRow[] = [];
  for (const flood of [false, true]) {
    const server = await start();
    const idle: Socket[] = [];
    let flooder: ContactsFlood | undefined;
    try {
      for (let i = 0; i < run.users; i++) idle.push(await openIdle(Target.Sup, server.host, server.port, `idle-user-${String(i).padStart(5, '0')}`));
      if (flood) flooder = new ContactsFlood(await openIdle(Target.Sup, server.host, server.port, 'flooder'));
      const startedAt = performance.now();
      const repliesBefore = flooder?.replies ?? 0;
      const result = await runPairs(server, { ...run, window: 1, drainTimeoutMs: 30_000 });
      const seconds = (performance.now() - startedAt) / 1000;
      rows.push({
        label: flood ? `with one client pipelining get contacts` : 'without it',
        result,
        floodRepliesPerSecond: flooder ? (flooder.replies - repliesBefore) / seconds : undefined,
      });
    } finally {
      flooder?.stop();
      for (const socket of idle) socket.destroy();
      await server.stop();
    }
  }
  const table = markdownTable(
    ['other users', 'ack p50 / p99', 'their messages', 'flooder\'s contact lists', 'exactly once, in order'],
    rows.map(({ label, result, floodRepliesPerSecond }) => [
      label,
      `${formatMicros(result.latency.percentile(0.5))} / ${formatMicros(result.latency.percentile(0.99))}`,
      formatRate(result.messagesPerSecond),
      floodRepliesPerSecond === undefined ? '-' : formatRate(floodRepliesPerSecond),
      isClean(result) ? 'ok' : 'FAILED',
    ]),
  );
  const markdown = [
    `${run.users} idle users online; ${run.pairs} sender/receiver pairs with one send in flight each, ${run.payloadBytes}-byte messages,`,
    `warm-up ${run.warmupMs / 1000} s, ${run.durationMs / 1000} s measured; the flooder keeps ${FLOOD_WINDOW} \`get contacts\` in flight.`,
    '',
    table,
  ].join('\n');
  return { title: 'Fair share: other users under a get contacts flood', markdown };
}
