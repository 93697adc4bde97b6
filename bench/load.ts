import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import { LatencyHistogram } from './histogram.js';
import type { FromWorker, ToWorker, WorkerJob } from './load-worker.js';
import { addCounts, emptyCounts, type PairCounts } from './pairs.js';
import { openFileCount, processCpuSeconds, processRssBytes, processSyscalls, type RunningServer } from './servers.js';

const WORKER_URL = new URL('./load-worker.ts', import.meta.url).href;
const TSX_API_URL = import.meta.resolve('tsx/esm/api');
// Node 20 does not pass `--import tsx` hooks on to worker threads, so each worker registers them itself.
const WORKER_BOOT = `import(${JSON.stringify(TSX_API_URL)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL)}); });`;
const READY_TIMEOUT_MS = 120_000;

export interface PairsRun {
  pairs: number;
  window: number;
  payloadBytes: number;
  warmupMs: number;
  durationMs: number;
  workers: number;
  drainTimeoutMs: number;
}

export interface PairsResult {
  messagesPerSecond: number;
  latency: LatencyHistogram;
  counts: PairCounts;
  drained: boolean;
  errors: string[];
  /** CPU used over the measured window, in cores (1 = one core busy all the time). */
  serverCores: number;
  /** The part of `serverCores` spent in the kernel (system calls, TCP). */
  serverSystemCores: number;
  generatorCores: number;
  serverRssBytes: number;
  /** The server's read and write system calls per delivered message, over the measured window. */
  serverReadsPerMessage: number;
  serverWritesPerMessage: number;
  workers: number;
}

/** The run delivered every acknowledged message exactly once, in order, from its sender. */
export function isClean(result: PairsResult): boolean {
  const c = result.counts;
  return (
    result.drained &&
    c.badAcks === 0 &&
    c.duplicated === 0 &&
    c.reordered === 0 &&
    c.wrongSender === 0 &&
    c.malformed === 0 &&
    c.missing === 0 &&
    c.connectionErrors === 0 &&
    c.received === c.okAcks &&
    c.okAcks === c.sent
  );
}

class WorkerHandle {
  readonly #worker: Worker;
  readonly #waiting: Array<(message: FromWorker) => void> = [];
  readonly #inbox: FromWorker[] = [];
  #exitError: Error | undefined;

  constructor(job: WorkerJob) {
    this.#worker = new Worker(WORKER_BOOT, { eval: true, workerData: job });
    this.#worker.on('message', (message: FromWorker) => this.#deliver(message));
    this.#worker.on('error', (error) => {
      this.#exitError = error;
      this.#deliver({ type: 'failed', error: `load worker crashed: ${error.message}` });
    });
    this.#worker.on('exit', (code) => {
      this.#deliver({ type: 'failed', error: this.#exitError?.message ?? `load worker exited early (code ${code})` });
    });
  }

  send(message: ToWorker): void {
    this.#worker.postMessage(message);
  }

  /** The worker's next message, or a failure after `timeoutMs`. */
  next(timeoutMs: number, what: string): Promise<FromWorker> {
    const queued = this.#inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        const index = this.#waiting.indexOf(settle);
        if (index !== -1) this.#waiting.splice(index, 1);
        resolve({ type: 'failed', error: `load worker did not report ${what} within ${timeoutMs} ms` });
      }, timeoutMs);
      const settle = (message: FromWorker): void => {
        clearTimeout(timer);
        resolve(message);
      };
      this.#waiting.push(settle);
    });
  }

  async terminate(): Promise<void> {
    this.#worker.removeAllListeners('exit');
    await this.#worker.terminate();
  }

  #deliver(message: FromWorker): void {
    const waiter = this.#waiting.shift();
    if (waiter) waiter(message);
    else this.#inbox.push(message);
  }
}

async function expectAll<T extends FromWorker['type']>(
  handles: readonly WorkerHandle[],
  type: T,
  timeoutMs: number,
  what: string,
): Promise<Array<Extract<FromWorker, { type: T }>>> {
  const messages = await Promise.all(handles.map((handle) => handle.next(timeoutMs, what)));
  const failure = messages.find((message) => message.type !== type);
  if (failure) throw new Error(failure.type === 'failed' ? failure.error : `load worker sent ${failure.type} instead of ${type}`);
  return messages as Array<Extract<FromWorker, { type: T }>>;
}

function cpuOf(pids: readonly number[]): { user: number; system: number } {
  const total = { user: 0, system: 0 };
  for (const pid of pids) {
    const used = processCpuSeconds(pid);
    total.user += used.user;
    total.system += used.system;
  }
  return total;
}

function spread(count: number, workers: number): number[][] {
  const lanes: number[][] = Array.from({ length: Math.min(workers, count) }, () => []);
  for (let i = 0; i < count; i++) lanes[i % lanes.length]!.push(i);
  return lanes;
}

/** P sender/receiver pairs against one server: warm-up, measured window, then a drain and checks. */
export async function runPairs(server: RunningServer, run: PairsRun): Promise<PairsResult> {
  const lanes = spread(run.pairs, run.workers);
  const handles = lanes.map(
    (indices) =>
      new WorkerHandle({
        mode: 'pairs',
        target: server.target,
        host: server.host,
        tls: server.tls,
        port: server.port,
        senderPort: server.senderPort ?? server.port,
        indices,
        window: run.window,
        payloadBytes: run.payloadBytes,
        drainTimeoutMs: run.drainTimeoutMs,
      }),
  );
  try {
    await expectAll(handles, 'ready', READY_TIMEOUT_MS, 'its connections ready');
    for (const handle of handles) handle.send({ type: 'go' });
    await sleep(run.warmupMs);

    const startedAt = performance.now();
    const generatorCpu = process.cpuUsage();
    const cpuPids = server.cpuPids?.() ?? [server.pid];
    const serverCpu = cpuOf(cpuPids);
    const serverSyscalls = processSyscalls(server.pid);
    for (const handle of handles) handle.send({ type: 'mark-start' });
    await sleep(run.durationMs);
    for (const handle of handles) handle.send({ type: 'mark-end' });
    const seconds = (performance.now() - startedAt) / 1000;
    const generatorUsed = process.cpuUsage(generatorCpu);
    const serverCpuAfter = cpuOf(cpuPids);
    const syscallsAfter = processSyscalls(server.pid);
    const serverRssBytes = processRssBytes(server.pid);

    for (const handle of handles) handle.send({ type: 'stop' });
    const results = await expectAll(handles, 'result', run.drainTimeoutMs + 10_000, 'its result');
    const latency = new LatencyHistogram();
    const counts = emptyCounts();
    let measured = 0;
    const errors: string[] = [];
    for (const result of results) {
      latency.add(new LatencyHistogram(result.latency));
      addCounts(counts, result.counts);
      measured += result.measured;
      errors.push(...result.errors);
    }
    return {
      messagesPerSecond: measured / seconds,
      latency,
      counts,
      drained: results.every((result) => result.drained),
      errors,
      serverCores: (serverCpuAfter.user + serverCpuAfter.system - serverCpu.user - serverCpu.system) / seconds,
      serverSystemCores: (serverCpuAfter.system - serverCpu.system) / seconds,
      generatorCores: (generatorUsed.user + generatorUsed.system) / 1e6 / seconds,
      serverRssBytes,
      serverReadsPerMessage: (syscallsAfter.reads - serverSyscalls.reads) / measured,
      serverWritesPerMessage: (syscallsAfter.writes - serverSyscalls.writes) / measured,
      workers: handles.length,
    };
  } finally {
    await Promise.all(handles.map((handle) => handle.terminate()));
  }
}

export interface IdleResult {
  connections: number;
  baselineRssBytes: number;
  loadedRssBytes: number;
  bytesPer1000: number;
  serverOpenFiles: number;
  generatorOpenFiles: number;
}

/** Opens `connections` logged-in connections, lets them settle, and reads the server's RSS. */
export async function runIdle(server: RunningServer, connections: number, workers: number, settleMs: number): Promise<IdleResult> {
  await sleep(settleMs);
  const baselineRssBytes = processRssBytes(server.pid);
  const lanes = spread(connections, workers);
  let first = 0;
  const handles = lanes.map((lane) => {
    const job: WorkerJob = { mode: 'idle', target: server.target, host: server.host, port: server.port, tls: server.tls, first, count: lane.length };
    first += lane.length;
    return new WorkerHandle(job);
  });
  try {
    const ready = await expectAll(handles, 'ready', READY_TIMEOUT_MS, 'its idle connections open');
    const opened = ready.reduce((sum, message) => sum + message.connections, 0);
    await sleep(settleMs);
    const loadedRssBytes = processRssBytes(server.pid);
    const serverOpenFiles = openFileCount(server.pid);
    const generatorOpenFiles = openFileCount('self');
    for (const handle of handles) handle.send({ type: 'stop' });
    await expectAll(handles, 'closed', 30_000, 'its connections closed');
    return {
      connections: opened,
      baselineRssBytes,
      loadedRssBytes,
      bytesPer1000: ((loadedRssBytes - baselineRssBytes) / opened) * 1000,
      serverOpenFiles,
      generatorOpenFiles,
    };
  } finally {
    await Promise.all(handles.map((handle) => handle.terminate()));
  }
}
