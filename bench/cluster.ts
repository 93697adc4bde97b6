// Cluster mode (issue 13): throughput and CPU per message against one process and nats-server,
// and the failure bounds (SIGKILL, SIGSTOP, broker outage) measured on real processes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Section } from './cli-scenarios.js';
import { formatCores, formatMicros, formatMs, formatRate, markdownTable } from './format.js';
import { isClean, runPairs, type PairsRun } from './load.js';
import { startJetStreamServer, startNatsServer, startSupServer, type RunningServer } from './servers.js';
import { EOT, open } from './wire.js';

const MAX_CONNECTIONS = 20_000;
const SINGLE_PROCESS = 'sup server, one process';
const RETRY_MS = 20;
const GIVE_UP_MS = 30_000;

interface Setup {
  label: string;
  start(natsBinary: string): Promise<{ server: RunningServer; stop(): Promise<void> }>;
}

function storeDir(): string {
  return mkdtempSync(join(tmpdir(), 'sup-bench-js-'));
}

/** A broker plus `nodes` node processes (each `sup server --cluster`, with `extra` flags); receivers on the first, senders on the last. */
async function startCluster(natsBinary: string, nodes: number, extra: readonly string[] = []) {
  const dir = storeDir();
  const broker = await startJetStreamServer(natsBinary, dir);
  const url = `nats://${broker.host}:${broker.port}`;
  const started: RunningServer[] = [];
  for (let i = 0; i < nodes; i++) {
    started.push(await startSupServer({ maxConnections: MAX_CONNECTIONS, extraArgs: ['--cluster', url, '--cluster-name', 'bench', ...extra] }));
  }
  const first = started[0]!;
  const last = started.at(-1)!;
  const server: RunningServer = {
    ...first,
    senderPort: last.port,
    cpuPids: () => [...started.flatMap((node) => [node.pid, ...childrenOf(node.pid)]), broker.pid],
  };
  return {
    server,
    stop: async () => {
      for (const node of started) await node.stop();
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A process's children (the workers of `--workers N`). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

const SETUPS: Setup[] = [
  {
    label: SINGLE_PROCESS,
    start: async () => {
      const server = await startSupServer({ maxConnections: MAX_CONNECTIONS });
      return { server, stop: () => server.stop() };
    },
  },
  {
    label: 'nats-server (verbose)',
    start: async (natsBinary) => {
      const server = await startNatsServer(natsBinary);
      return { server, stop: () => server.stop() };
    },
  },
  { label: 'cluster, 1 node + broker', start: (natsBinary) => startCluster(natsBinary, 1) },
  { label: 'cluster, 2 nodes + broker, every pair crossing', start: (natsBinary) => startCluster(natsBinary, 2) },
  { label: 'cluster, `--workers 2` + broker', start: (natsBinary) => startCluster(natsBinary, 1, ['--workers', '2']) },
];

export interface ClusterBenchOptions {
  natsBinary: string;
  scenarios: ReadonlyArray<{ pairs: number; window: number }>;
  run: Omit<PairsRun, 'pairs' | 'window'>;
  cores: number;
  progress(line: string): void;
}

export async function clusterSection(options: ClusterBenchOptions): Promise<Section> {
  const rows: string[][] = [];
  const cpuPerMessage = new Map<string, number>();
  for (const { pairs, window } of options.scenarios) {
    for (const setup of SETUPS) {
      options.progress(`cluster: ${setup.label}, ${pairs} pairs x ${window}`);
      const { server, stop } = await setup.start(options.natsBinary);
      try {
        const result = await runPairs(server, { ...options.run, pairs, window });
        const micros = (result.serverCores * 1e6) / result.messagesPerSecond;
        if (window > 1) cpuPerMessage.set(setup.label, micros);
        rows.push([
          setup.label,
          `${pairs} x ${window}`,
          formatRate(result.messagesPerSecond),
          formatMicros(result.latency.percentile(0.5)),
          formatMicros(result.latency.percentile(0.99)),
          formatCores(result.serverCores),
          cpuMicros(micros),
          isClean(result) ? 'yes' : `NO: ${result.errors.slice(0, 2).join('; ')}`,
        ]);
      } catch (error) {
        rows.push([setup.label, `${pairs} x ${window}`, `failed: ${(error as Error).message}`, '', '', '', '', '']);
      } finally {
        await stop();
      }
    }
  }
  const projection = [...cpuPerMessage].map(([label, micros]) => [
    label,
    cpuMicros(micros),
    // One process runs on one core, however many the machine has.
    ...[4, 8, 16].map((cores) => formatRate(((label === SINGLE_PROCESS ? 1 : cores) * 1e6) / micros)),
  ]);
  options.progress('cluster: failure bounds');
  const bounds = await failureBounds(options.natsBinary);
  return {
    title: 'Cluster mode (issue 13)',
    markdown: [
      `Server CPU counts every process serving: for the cluster, its nodes (and workers) and the broker. Load generator and servers share ${options.cores} cores.`,
      '',
      markdownTable(['server', 'pairs x window', 'messages/s', 'ack p50', 'ack p99', 'server CPU (cores)', 'CPU per message', 'clean'], rows),
      '',
      'Projection from CPU per message at the larger window, if every core served and nothing else limited (an upper bound: it ignores the load generator, the network and the broker becoming the bottleneck; one sup process uses one core at most):',
      '',
      markdownTable(['server', 'CPU per message', '4 cores', '8 cores', '16 cores'], projection),
      '',
      'Failure bounds, measured on real processes (one measurement each, retrying every 20 ms):',
      '',
      markdownTable(['event', 'measured'], bounds),
    ].join('\n'),
  };
}

/** CPU per message is well under a microsecond on one process: two decimals. */
function cpuMicros(micros: number): string {
  return Number.isFinite(micros) ? `${micros.toFixed(2)} µs` : 'n/a';
}

/** A minimal Sup client for the failure measurements: one frame out, the next status back. */
class Peer {
  readonly socket: Socket;
  readonly closed: Promise<void>;
  #rest = '';
  #frames: string[] = [];
  #waiter: ((frame: string | undefined) => void) | undefined;
  #isClosed = false;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#rest += chunk.toString('latin1');
      let eot: number;
      while ((eot = this.#rest.indexOf(String.fromCharCode(EOT))) !== -1) {
        this.#frames.push(this.#rest.slice(0, eot));
        this.#rest = this.#rest.slice(eot + 1);
      }
      this.#settle();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.#isClosed = true;
        this.#settle();
        resolve();
      }),
    );
  }

  static async connect(port: number): Promise<Peer | undefined> {
    return open('127.0.0.1', port).then((socket) => new Peer(socket), () => undefined);
  }

  /** The next status answering `frame` (recv frames skipped); undefined if the connection closed. */
  async ask(frame: string): Promise<string | undefined> {
    this.socket.write(`${frame}\x04`, 'latin1');
    for (;;) {
      const next = await new Promise<string | undefined>((resolve) => {
        this.#waiter = resolve;
        this.#settle();
      });
      if (next === undefined || next.startsWith('status ')) return next;
    }
  }

  #settle(): void {
    const waiter = this.#waiter;
    if (waiter === undefined) return;
    if (this.#frames.length > 0) {
      this.#waiter = undefined;
      waiter(this.#frames.shift());
    } else if (this.#isClosed) {
      this.#waiter = undefined;
      waiter(undefined);
    }
  }
}

async function login(port: number, name: string): Promise<Peer> {
  const peer = await Peer.connect(port);
  const answer = await peer?.ask(`login ${name}`);
  if (answer !== 'status 000 OK') throw new Error(`login ${name} got ${answer}`);
  return peer!;
}

/** Milliseconds from `since` until `attempt` returns true, trying every RETRY_MS. */
async function until(since: number, attempt: () => Promise<boolean>, what: string): Promise<number> {
  for (;;) {
    if (await attempt()) return performance.now() - since;
    if (performance.now() - since > GIVE_UP_MS) throw new Error(`${what}: not within ${GIVE_UP_MS} ms`);
    await sleep(RETRY_MS);
  }
}

async function loginWorks(port: number, name: string): Promise<boolean> {
  const peer = await Peer.connect(port);
  const answer = await peer?.ask(`login ${name}`);
  if (answer === 'status 000 OK') return true;
  peer?.socket.destroy();
  return false;
}

async function failureBounds(natsBinary: string): Promise<string[][]> {
  const rows: string[][] = [];
  const dir = storeDir();
  let broker = await startJetStreamServer(natsBinary, dir);
  const url = `nats://${broker.host}:${broker.port}`;
  const nodes: RunningServer[] = [];
  const node = async (): Promise<RunningServer> => {
    const started = await startSupServer({ maxConnections: MAX_CONNECTIONS, extraArgs: ['--cluster', url, '--cluster-name', 'bounds'] });
    nodes.push(started);
    return started;
  };
  try {
    const a = await node();
    let b = await node();
    const alice = await login(a.port, 'alice');
    await login(b.port, 'bob');
    let t0 = performance.now();
    process.kill(b.pid, 'SIGKILL');
    rows.push(['SIGKILL of a node: first send to its user answered 104', formatMs(await until(t0, async () => (await alice.ask('send bob x')) === 'status 104 Messaged User Not Online', 'SIGKILL 104'))]);
    rows.push(['SIGKILL of a node: its user can log in on another node', formatMs(await until(t0, () => loginWorks(a.port, 'bob'), 'SIGKILL name'))]);

    b = await node();
    const carol = await login(b.port, 'carol');
    t0 = performance.now();
    process.kill(b.pid, 'SIGSTOP');
    rows.push(['SIGSTOP of a node: its user can log in on another node', formatMs(await until(t0, () => loginWorks(a.port, 'carol'), 'SIGSTOP name'))]);
    t0 = performance.now();
    process.kill(b.pid, 'SIGCONT');
    await carol.closed;
    rows.push(['SIGCONT: the woken node has dropped its stale connection', formatMs(performance.now() - t0)]);

    t0 = performance.now();
    const port = broker.port;
    process.kill(broker.pid, 'SIGKILL');
    await alice.closed;
    rows.push(['broker killed: connections dropped (fail closed)', formatMs(performance.now() - t0)]);
    await sleep(1000);
    t0 = performance.now();
    broker = await startJetStreamServer(natsBinary, dir, port);
    rows.push(['broker restarted: first login succeeds again', formatMs(await until(t0, () => loginWorks(a.port, 'dave'), 'broker back'))]);
  } catch (error) {
    rows.push(['failed', (error as Error).message]);
  } finally {
    for (const started of nodes) {
      try {
        process.kill(started.pid, 'SIGCONT');
      } catch {}
      await started.stop();
    }
    await broker.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}
