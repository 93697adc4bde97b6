import type { Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { LatencyHistogram } from './histogram.js';
import { addCounts, createPair, emptyCounts, type Pair, type PairCounts, type Recorder } from './pairs.js';
import { openIdle, type Target, type WireTls } from './wire.js';

/** What the main thread hands each worker. */
export type WorkerJob =
  | { mode: 'pairs'; target: Target; host: string; port: number; senderPort: number; tls?: WireTls; indices: number[]; window: number; payloadBytes: number; drainTimeoutMs: number }
  | { mode: 'idle'; target: Target; host: string; port: number; tls?: WireTls; first: number; count: number };

export type ToWorker = { type: 'go' } | { type: 'mark-start' } | { type: 'mark-end' } | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; connections: number }
  | { type: 'failed'; error: string }
  | { type: 'result'; measured: number; counts: PairCounts; latency: Float64Array; errors: string[]; drained: boolean }
  | { type: 'closed' };

// Connections opened at once: enough to be quick, few enough not to overflow the accept backlog.
const CONNECT_CONCURRENCY = 100;

const port = parentPort!;
const job = workerData as WorkerJob;

function post(message: FromWorker): void {
  port.postMessage(message);
}

async function inBatches<T>(items: readonly T[], run: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(CONNECT_CONCURRENCY, items.length) }, async () => {
    while (next < items.length) await run(items[next++]!);
  });
  await Promise.all(lanes);
}

async function runPairs(job: Extract<WorkerJob, { mode: 'pairs' }>): Promise<void> {
  const histogram = new LatencyHistogram();
  let finished = false;
  const recorder: Recorder = { histogram: undefined, errors: [], onDrainProgress: () => checkDrained() };
  const pairs: Pair[] = job.indices.map((index) => createPair(job.target, index, job.window, job.payloadBytes, recorder));
  let receivedAtStart = 0;
  let measured = 0;
  let drainTimer: NodeJS.Timeout | undefined;

  const received = (): number => pairs.reduce((sum, pair) => sum + pair.counts.received, 0);

  function report(drained: boolean): void {
    if (finished) return;
    finished = true;
    clearTimeout(drainTimer);
    const counts = emptyCounts();
    for (const pair of pairs) {
      pair.finish();
      addCounts(counts, pair.counts);
    }
    post({ type: 'result', measured, counts, latency: histogram.counts, errors: recorder.errors, drained });
  }

  function checkDrained(): void {
    if (!finished && pairs.every((pair) => pair.settled)) report(true);
  }

  try {
    await inBatches(pairs, (pair) => pair.connect(job.host, job.port, job.senderPort, job.tls));
  } catch (error) {
    for (const pair of pairs) pair.finish();
    post({ type: 'failed', error: (error as Error).message });
    return;
  }
  port.on('message', (message: ToWorker) => {
    switch (message.type) {
      case 'go':
        for (const pair of pairs) pair.start();
        return;
      case 'mark-start':
        histogram.reset();
        recorder.histogram = histogram;
        receivedAtStart = received();
        return;
      case 'mark-end':
        recorder.histogram = undefined;
        measured = received() - receivedAtStart;
        return;
      case 'stop':
        for (const pair of pairs) pair.stop();
        drainTimer = setTimeout(() => report(false), job.drainTimeoutMs);
        checkDrained();
        return;
    }
  });
  post({ type: 'ready', connections: pairs.length * 2 });
}

async function runIdle(job: Extract<WorkerJob, { mode: 'idle' }>): Promise<void> {
  const sockets: Socket[] = [];
  const names = Array.from({ length: job.count }, (_, i) => `idle${job.first + i}`);
  try {
    await inBatches(names, async (name) => {
      sockets.push(await openIdle(job.target, job.host, job.port, name, job.tls));
    });
  } catch (error) {
    for (const socket of sockets) socket.destroy();
    post({ type: 'failed', error: (error as Error).message });
    return;
  }
  port.on('message', (message: ToWorker) => {
    if (message.type !== 'stop') return;
    for (const socket of sockets) socket.destroy();
    post({ type: 'closed' });
  });
  post({ type: 'ready', connections: sockets.length });
}

if (job.mode === 'pairs') await runPairs(job);
else await runIdle(job);
