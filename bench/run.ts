// `npm run bench`: sup server side by side with nats-server. See `--help`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { botFloodSection } from './bot-flood.js';
import { clusterSection } from './cluster.js';
import { echoSection, startupNodes, startupSection, type Section } from './cli-scenarios.js';
import { fairnessSection } from './fairness.js';
import { formatBytes, formatCores, formatMicros, formatRate, formatRatio, markdownTable } from './format.js';
import { isClean, runIdle, runPairs, type IdleResult, type PairsResult } from './load.js';
import { MIN_PAYLOAD_BYTES, type PairCounts } from './pairs.js';
import { formatSummary, profileFiles, summarizeProfile } from './profile-summary.js';
import {
  findNatsServer,
  natsServerVersion,
  openFileLimit,
  REPO_ROOT,
  startNatsServer,
  startSupServer,
  SUP_BIN,
  type BenchCertificate,
  type RunningServer,
} from './servers.js';
import { tlsSection } from './tls-scenarios.js';
import { Target } from './wire.js';

const HELP = `Usage: npm run bench -- [options]    (or: node --import tsx bench/run.ts [options])

Runs the load generator against sup server and, when nats-server is on PATH, against
nats-server too, interleaved, and prints a markdown table (also written to BENCHMARKS.md).

Options:
  --quick                 short runs (warm-up 0.3 s, 1 s measured, 1000 idle connections);
                          does not write BENCHMARKS.md unless --write is given
  --only <groups>         comma list of: throughput, idle, tls, startup, echo, pipelining,
                          bot-flood, fairness, cluster (needs nats-server) (default: all)
  --throughput <list>     pairs x window scenarios, e.g. 1x1,16x64 (default: 1,16,128 x 1,64)
  --payload <bytes>       payload size (default: 32, at least ${MIN_PAYLOAD_BYTES})
  --warmup <seconds>      before each measured window (default: 2)
  --duration <seconds>    measured window per run (default: 5)
  --connections <n>       idle connections (default: 10000)
  --workers <n>           load generator worker threads (default: the number of cores)
  --idle-settle <seconds> wait before each idle-memory reading, so the server's GC settles
                          (default: 5; quick: 0.3)
  --sup-bin <path>        measure another build's bin/sup.js (default: this checkout's)
  --sup-node-args <flags> node flags for the sup server process, space-separated, e.g.
                          "--max-semi-space-size=4" (the report names them)
  --no-nats               do not look for nats-server
  --profile <dir>         run sup server under node --cpu-prof into <dir> and summarise
                          the profiles (implies --no-nats and --only throughput unless given)
  --out <file>            where to write the report (default: BENCHMARKS.md)
  --write / --no-write    write the report file or not
  --no-build              do not run \`npm run build\` first (npm run bench builds already)
  --help                  this text
`;

const GROUPS = ['throughput', 'idle', 'tls', 'startup', 'echo', 'pipelining', 'bot-flood', 'fairness', 'cluster'] as const;
type Group = (typeof GROUPS)[number];

interface Scenario {
  pairs: number;
  window: number;
}

interface Options {
  quick: boolean;
  groups: Set<Group>;
  scenarios: Scenario[];
  payloadBytes: number;
  warmupMs: number;
  durationMs: number;
  connections: number;
  workers: number;
  idleSettleMs: number;
  supBin: string | undefined;
  supNodeArgs: string[];
  nats: boolean;
  profileDir: string | undefined;
  out: string | undefined;
  build: boolean;
}

class UsageError extends Error {
  override name = 'UsageError';
}

function number(value: string | undefined, flag: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min) throw new UsageError(`${flag} must be a number of at least ${min}, got "${value}"`);
  return parsed;
}

function parseOptions(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      quick: { type: 'boolean' },
      only: { type: 'string' },
      throughput: { type: 'string' },
      payload: { type: 'string' },
      warmup: { type: 'string' },
      duration: { type: 'string' },
      connections: { type: 'string' },
      workers: { type: 'string' },
      'idle-settle': { type: 'string' },
      'sup-bin': { type: 'string' },
      'sup-node-args': { type: 'string' },
      'no-nats': { type: 'boolean' },
      profile: { type: 'string' },
      out: { type: 'string' },
      write: { type: 'boolean' },
      'no-write': { type: 'boolean' },
      'no-build': { type: 'boolean' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) return undefined;
  const quick = values.quick ?? false;
  const profileDir = values.profile === undefined ? undefined : resolve(values.profile);
  const onlyList = values.only ?? (profileDir ? 'throughput' : GROUPS.join(','));
  const groups = new Set<Group>();
  for (const name of onlyList.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (!(GROUPS as readonly string[]).includes(name)) throw new UsageError(`--only takes ${GROUPS.join(', ')}; got "${name}"`);
    groups.add(name as Group);
  }
  const scenarios: Scenario[] = [];
  if (values.throughput === undefined) {
    for (const pairs of [1, 16, 128]) for (const window of [1, 64]) scenarios.push({ pairs, window });
  } else {
    for (const item of values.throughput.split(',').map((s) => s.trim()).filter(Boolean)) {
      const match = /^(\d+)x(\d+)$/.exec(item);
      if (!match || Number(match[1]) < 1 || Number(match[2]) < 1) {
        throw new UsageError(`--throughput takes PAIRSxWINDOW items such as 16x64; got "${item}"`);
      }
      scenarios.push({ pairs: Number(match[1]), window: Number(match[2]) });
    }
  }
  const write = values['no-write'] ? false : (values.write ?? (!quick && !profileDir));
  return {
    quick,
    groups,
    scenarios,
    payloadBytes: number(values.payload, '--payload', 32, MIN_PAYLOAD_BYTES),
    warmupMs: number(values.warmup, '--warmup', quick ? 0.3 : 2, 0) * 1000,
    durationMs: number(values.duration, '--duration', quick ? 1 : 5, 0.1) * 1000,
    connections: Math.floor(number(values.connections, '--connections', quick ? 1000 : 10_000, 1)),
    workers: Math.floor(number(values.workers, '--workers', availableParallelism(), 1)),
    idleSettleMs: number(values['idle-settle'], '--idle-settle', quick ? 0.3 : 5, 0) * 1000,
    supBin: values['sup-bin'] === undefined ? undefined : resolve(values['sup-bin']),
    supNodeArgs: (values['sup-node-args'] ?? '').split(' ').filter(Boolean),
    nats: !values['no-nats'] && !profileDir,
    profileDir,
    out: write ? resolve(REPO_ROOT, values.out ?? 'BENCHMARKS.md') : undefined,
    build: !values['no-build'] && process.env.npm_lifecycle_event !== 'bench',
  };
}

function progress(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}

function cliRuns(): { ok: boolean; output: string } {
  const result = spawnSync(process.execPath, [SUP_BIN, '--help'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 15_000 });
  return { ok: result.status === 0, output: `${result.stdout}${result.stderr}`.trim().split('\n').slice(0, 5).join('\n') };
}

function ensureBuilt(options: Options): void {
  if (options.build) {
    progress('npm run build');
    const built = spawnSync('npm', ['run', 'build', '--silent'], { cwd: REPO_ROOT, encoding: 'utf8' });
    if (built.status !== 0) {
      const why = `${built.stdout}${built.stderr}`.trim().split('\n').slice(0, 5).join('\n');
      if (!cliRuns().ok) throw new UsageError(`npm run build failed and there is no working build to fall back on:\n${why}`);
      progress(`npm run build failed; measuring the build already in dist/:\n${why}`);
    }
  }
  const cli = cliRuns();
  if (!cli.ok) throw new UsageError(`\`node bin/sup.js --help\` fails, so there is nothing to measure; run \`npm run build\` first:\n${cli.output}`);
}

function commandLine(argv: readonly string[]): string {
  if (process.env.npm_lifecycle_event === 'bench') return `npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}`;
  return `node --import tsx bench/run.ts${argv.length ? ` ${argv.join(' ')}` : ''}`;
}

function gitDescription(): string {
  const head = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' });
  if (head.status !== 0) return 'not a git checkout';
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'src', 'bin'], { cwd: REPO_ROOT, encoding: 'utf8' });
  return `${head.stdout.trim()}${dirty.stdout.trim() ? ' (with uncommitted changes in src/ or bin/)' : ''}`;
}

type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

async function attempt<T>(run: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
}

async function withServer<T>(start: () => Promise<RunningServer>, use: (server: RunningServer) => Promise<T>): Promise<T> {
  const server = await start();
  try {
    return await use(server);
  } catch (error) {
    const tail = server.stderrTail().trim();
    if (tail && error instanceof Error) error.message += ` (server stderr ends with: ${tail.slice(-500)})`;
    throw error;
  } finally {
    await server.stop();
  }
}

interface Bench {
  options: Options;
  natsBinary: string | undefined;
  cores: number;
}

function starter(bench: Bench, target: Target, label: string, tls?: BenchCertificate): () => Promise<RunningServer> {
  if (target === Target.Nats) return () => startNatsServer(bench.natsBinary!, tls);
  const dir = bench.options.profileDir;
  const profile = dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=sup-${label}.cpuprofile`] : [];
  const nodeArgs = [...bench.options.supNodeArgs, ...profile];
  const launch = { nodeArgs, maxConnections: Math.max(20_000, bench.options.connections + 1000), tls };
  return () => startSupServer(bench.options.supBin ? { ...launch, supBin: bench.options.supBin } : launch);
}

function targetsFor(bench: Bench, round: number): Target[] {
  if (!bench.natsBinary) return [Target.Sup];
  // Alternating who goes first spreads the drift of a shared machine over both.
  return round % 2 === 0 ? [Target.Sup, Target.Nats] : [Target.Nats, Target.Sup];
}

type ThroughputRow = { scenario: Scenario; results: Partial<Record<Target, Outcome<PairsResult>>> };

async function throughput(bench: Bench): Promise<ThroughputRow[]> {
  const { options } = bench;
  const rows: ThroughputRow[] = [];
  for (const [round, scenario] of options.scenarios.entries()) {
    const row: ThroughputRow = { scenario, results: {} };
    const label = `${scenario.pairs}x${scenario.window}`;
    for (const target of targetsFor(bench, round)) {
      progress(`throughput ${label} against ${target}`);
      row.results[target] = await attempt(() =>
        withServer(starter(bench, target, label), (server) =>
          runPairs(server, {
            pairs: scenario.pairs,
            window: scenario.window,
            payloadBytes: options.payloadBytes,
            warmupMs: options.warmupMs,
            durationMs: options.durationMs,
            workers: options.workers,
            drainTimeoutMs: 10_000,
          }),
        ),
      );
      const outcome = row.results[target]!;
      progress(
        outcome.ok
          ? `  ${formatRate(outcome.value.messagesPerSecond)}, p99 ${formatMicros(outcome.value.latency.percentile(0.99))}, ${isClean(outcome.value) ? 'all delivered once, in order' : describeCounts(outcome.value)}`
          : `  failed: ${outcome.error}`,
      );
    }
    rows.push(row);
  }
  return rows;
}

function describeCounts(result: PairsResult): string {
  if (isClean(result)) return `ok (${result.counts.received.toLocaleString('en-US')} msgs)`;
  const c: PairCounts = result.counts;
  const problems: string[] = [];
  if (!result.drained) problems.push('drain timed out');
  if (c.missing) problems.push(`${c.missing} missing`);
  if (c.duplicated) problems.push(`${c.duplicated} duplicated`);
  if (c.reordered) problems.push(`${c.reordered} out of order`);
  if (c.wrongSender) problems.push(`${c.wrongSender} from the wrong sender`);
  if (c.malformed) problems.push(`${c.malformed} malformed`);
  if (c.badAcks) problems.push(`${c.badAcks} refused sends`);
  if (c.connectionErrors) problems.push(`${c.connectionErrors} connections lost`);
  if (c.okAcks !== c.sent) problems.push(`${c.sent - c.okAcks - c.badAcks} sends unanswered`);
  if (c.received !== c.okAcks && !c.missing) problems.push(`${c.received} received for ${c.okAcks} acknowledged`);
  const first = result.errors[0];
  return `PROBLEM: ${problems.join(', ')}${first ? ` (first: ${first})` : ''}`;
}

function cell<T>(outcome: Outcome<T> | undefined, show: (value: T) => string): string {
  if (!outcome) return 'n/a';
  return outcome.ok ? show(outcome.value) : 'failed (below)';
}

/** One line per failed run, so the table stays readable and the cause is still there. */
function failureList(failures: Array<[string, Outcome<unknown> | undefined]>): string {
  const lines = failures.flatMap(([what, outcome]) =>
    outcome && !outcome.ok ? [`- ${what} failed: ${outcome.error.replaceAll('\n', ' ').slice(0, 1500)}`] : [],
  );
  return lines.length ? `\n\n${lines.join('\n')}` : '';
}

function ratioOf<T>(sup: Outcome<T> | undefined, nats: Outcome<T> | undefined, value: (v: T) => number): number {
  return sup?.ok && nats?.ok ? value(sup.value) / value(nats.value) : Number.NaN;
}

function throughputMarkdown(bench: Bench, rows: ThroughputRow[]): string {
  const nats = Boolean(bench.natsBinary);
  const latency = (r: PairsResult): string => `${formatMicros(r.latency.percentile(0.5))} / ${formatMicros(r.latency.percentile(0.99))}`;
  const header = nats
    ? ['pairs x window', 'sup', 'nats', 'sup/nats', 'ack p50 / p99 sup', 'ack p50 / p99 nats', 'p99 sup/nats', 'server CPU sup / nats', 'server CPU per msg sup / nats', 'generator CPU sup / nats', 'server syscalls per msg sup / nats', 'exactly once, in order: sup / nats']
    : ['pairs x window', 'sup', 'ack p50 / p99', 'server CPU', 'server CPU per msg', 'generator CPU', 'server syscalls per msg', 'exactly once, in order'];
  const serverCpu = (r: PairsResult): string => `${formatCores(r.serverCores)} (${formatCores(r.serverSystemCores)} sys)`;
  const cpuPerMessage = (r: PairsResult): string => `${((r.serverCores / r.messagesPerSecond) * 1e6).toFixed(2)} µs`;
  const syscalls = (r: PairsResult): string => `${(r.serverReadsPerMessage + r.serverWritesPerMessage).toFixed(2)}`;
  const table = rows.map(({ scenario, results }) => {
    const name = `${scenario.pairs} x ${scenario.window}`;
    const sup = results.sup;
    if (!nats) {
      return [name, cell(sup, (r) => formatRate(r.messagesPerSecond)), cell(sup, latency), cell(sup, serverCpu), cell(sup, cpuPerMessage), cell(sup, (r) => formatCores(r.generatorCores)), cell(sup, syscalls), cell(sup, describeCounts)];
    }
    const other = results.nats;
    return [
      name,
      cell(sup, (r) => formatRate(r.messagesPerSecond)),
      cell(other, (r) => formatRate(r.messagesPerSecond)),
      formatRatio(ratioOf(sup, other, (r) => r.messagesPerSecond)),
      cell(sup, latency),
      cell(other, latency),
      formatRatio(ratioOf(sup, other, (r) => r.latency.percentile(0.99))),
      `${cell(sup, serverCpu)} / ${cell(other, serverCpu)}`,
      `${cell(sup, cpuPerMessage)} / ${cell(other, cpuPerMessage)}`,
      `${cell(sup, (r) => formatCores(r.generatorCores))} / ${cell(other, (r) => formatCores(r.generatorCores))}`,
      `${cell(sup, syscalls)} / ${cell(other, syscalls)}`,
      `${cell(sup, describeCounts)} / ${cell(other, describeCounts)}`,
    ];
  });
  const { options } = bench;
  const workers = Math.min(options.workers, Math.max(...options.scenarios.map((s) => s.pairs)));
  return [
    `${options.payloadBytes}-byte payloads; each run: a fresh server, warm-up ${options.warmupMs / 1000} s, then ${options.durationMs / 1000} s measured. ` +
      `Rates count messages delivered to receivers. Ack latency is from the write of a send (PUB) to its \`status 000 OK\` (\`+OK\`). ` +
      `CPU is the share of one core over the measured window (100% = one core busy; sys = in the kernel); the generator ran in ${workers} worker thread${workers === 1 ? '' : 's'} (at most) on ${bench.cores} cores, ` +
      `so server and generator compete for the same cores. ` +
      `Server CPU per message (CPU time over messages delivered) is the figure least disturbed by a shared machine. ` +
      `Server syscalls per message are the read- and write-type system calls (/proc/PID/io syscr + syscw) per delivered message.`,
    '',
    markdownTable(header, table) +
      failureList(rows.flatMap(({ scenario, results }) => Object.entries(results).map(([target, outcome]): [string, Outcome<unknown> | undefined] => [`${scenario.pairs} x ${scenario.window} against ${target}`, outcome]))),
  ].join('\n');
}

type IdleOutcomes = Partial<Record<Target, Outcome<IdleResult>>>;

async function idle(bench: Bench): Promise<{ outcomes: IdleOutcomes; note: string }> {
  const { options } = bench;
  const limit = openFileLimit();
  // Each side holds one descriptor per connection, plus a few dozen of its own.
  const needed = options.connections + 200;
  let connections = options.connections;
  let note = `File descriptors: each side needs about one per connection (${needed} here); the limit in this process is ${limit.soft} soft / ${limit.hard} hard (Node raises its soft limit to the hard one at start-up, and the servers inherit it).`;
  if (limit.soft < needed) {
    connections = Math.max(100, limit.soft - 300);
    note += ` That is too few, so this run opened ${connections} connections instead of ${options.connections}; raise the limit (\`ulimit -n ${needed}\` as root, or LimitNOFILE= in a unit) to measure the full count.`;
  }
  const outcomes: IdleOutcomes = {};
  for (const target of targetsFor(bench, 0)) {
    progress(`idle: ${connections} logged-in connections against ${target}`);
    outcomes[target] = await attempt(() =>
      withServer(starter(bench, target, 'idle'), (server) => runIdle(server, connections, options.workers, options.idleSettleMs)),
    );
    const outcome = outcomes[target]!;
    progress(outcome.ok ? `  ${formatBytes(outcome.value.bytesPer1000)} per 1000 connections` : `  failed: ${outcome.error}`);
    if (outcome.ok) {
      note += ` ${target}: the generator held ${outcome.value.generatorOpenFiles} descriptors, the server ${outcome.value.serverOpenFiles}.`;
    }
  }
  return { outcomes, note };
}

function idleMarkdown(bench: Bench, outcomes: IdleOutcomes, note: string): string {
  const targets = bench.natsBinary ? [Target.Sup, Target.Nats] : [Target.Sup];
  const rows = targets.map((target) => {
    const o = outcomes[target];
    return [
      target,
      cell(o, (r) => r.connections.toLocaleString('en-US')),
      cell(o, (r) => formatBytes(r.baselineRssBytes)),
      cell(o, (r) => formatBytes(r.loadedRssBytes)),
      cell(o, (r) => formatBytes(r.bytesPer1000)),
    ];
  });
  const ratio = ratioOf(outcomes.sup, outcomes.nats, (r) => r.bytesPer1000);
  const ratioLine = bench.natsBinary ? `\n\nsup/nats memory per 1000 connections: ${formatRatio(ratio)} (target: at most 0.25x).` : '';
  return [
    'Logged-in connections that then send nothing (Sup: `login`; NATS: `CONNECT` and `PING`/`PONG`). Server RSS from /proc/PID/status after the server settled, before and after opening them.',
    '',
    markdownTable(['server', 'connections', 'RSS before', 'RSS with connections', 'RSS per 1000 connections'], rows) +
      ratioLine +
      failureList(targets.map((target): [string, Outcome<unknown> | undefined] => [`idle connections against ${target}`, outcomes[target]])),
    '',
    note,
  ].join('\n');
}

function targetsMarkdown(bench: Bench, rows: ThroughputRow[], idleOutcomes: IdleOutcomes | undefined): string {
  if (!bench.natsBinary) return 'The targets are ratios against nats-server, which is not installed here: nothing to compare.';
  const lines: string[][] = [];
  const verdict = (ratio: number, atLeast: number | undefined, atMost: number | undefined): string => {
    if (!Number.isFinite(ratio)) return 'not measured';
    if (atLeast !== undefined) return ratio >= atLeast ? 'met' : `missed by ${((1 - ratio / atLeast) * 100).toFixed(0)}%`;
    return ratio <= atMost! ? 'met' : `missed: ${(ratio / atMost!).toFixed(2)}x the allowance`;
  };
  for (const { scenario, results } of rows) {
    const name = `${scenario.pairs} x ${scenario.window}`;
    if (scenario.window === 1 || scenario.window === 64) {
      const ratio = ratioOf(results.sup, results.nats, (r) => r.messagesPerSecond);
      if (scenario.window === 1 || scenario.pairs >= 16) lines.push([`throughput ${name} at least 1.0x`, formatRatio(ratio), verdict(ratio, 1, undefined)]);
    }
    const p99 = ratioOf(results.sup, results.nats, (r) => r.latency.percentile(0.99));
    lines.push([`ack p99 ${name} no worse than nats`, formatRatio(p99), verdict(p99, undefined, 1)]);
  }
  if (idleOutcomes) {
    const ratio = ratioOf(idleOutcomes.sup, idleOutcomes.nats, (r) => r.bytesPer1000);
    lines.push(['memory per 1000 idle connections at most 0.25x', formatRatio(ratio), verdict(ratio, undefined, 0.25)]);
  }
  const runs = rows.flatMap((row) => Object.values(row.results));
  const clean = runs.filter((o) => o?.ok && isClean(o.value)).length;
  if (runs.length > 0) {
    lines.push(['nothing lost, duplicated or reordered', `${clean} of ${runs.length} runs clean`, clean === runs.length ? 'met' : 'MISSED']);
  }
  return markdownTable(['target', 'measured (sup/nats)', 'status'], lines);
}

async function pipelining(): Promise<string> {
  const file = new URL('./client-pipelining.ts', import.meta.url);
  if (!existsSync(file)) return 'Skipped: bench/client-pipelining.ts does not exist yet.';
  // Imported by URL so the type-check passes before that file is written.
  const module = (await import(file.href)) as { run?: () => Promise<string> };
  if (typeof module.run !== 'function') return 'Skipped: bench/client-pipelining.ts does not export `run()`.';
  return module.run();
}

async function main(argv: string[]): Promise<number> {
  let options: Options | undefined;
  try {
    options = parseOptions(argv);
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (!options) {
    process.stdout.write(HELP);
    return 0;
  }
  ensureBuilt(options);
  const natsBinary = options.nats ? findNatsServer() : undefined;
  const bench: Bench = { options, natsBinary, cores: availableParallelism() };
  const started = new Date();
  const loadBefore = loadavg();
  if (options.profileDir) mkdirSync(options.profileDir, { recursive: true });
  if (options.nats && !natsBinary) progress('nats-server is not on PATH: measuring sup server alone (apt-get install nats-server to compare)');

  const sections: Section[] = [];
  let rows: ThroughputRow[] = [];
  let idleOutcomes: IdleOutcomes | undefined;
  if (options.groups.has('throughput')) {
    rows = await throughput(bench);
    sections.push({ title: 'Throughput and ack latency', markdown: throughputMarkdown(bench, rows) });
  }
  if (options.groups.has('idle')) {
    const result = await idle(bench);
    idleOutcomes = result.outcomes;
    sections.push({ title: 'Idle connections', markdown: idleMarkdown(bench, result.outcomes, result.note) });
  }
  if (natsBinary && (rows.length > 0 || idleOutcomes)) {
    sections.push({ title: 'Targets (issue 6)', markdown: targetsMarkdown(bench, rows, idleOutcomes) });
  }
  let tlsFailures = 0;
  if (options.groups.has('tls')) {
    const { payloadBytes, warmupMs, durationMs, workers, connections, idleSettleMs } = options;
    const tls = await tlsSection({
      targets: targetsFor(bench, 0),
      start: (target, label, certificate) => starter(bench, target, label, certificate),
      attempt,
      withServer,
      progress,
      run: { payloadBytes, warmupMs, durationMs, workers, connections, idleSettleMs },
    });
    tlsFailures = tls.failed;
    sections.push({ title: 'TLS against plain TCP (issue 12)', markdown: tls.markdown });
  }
  const runs = options.quick ? 5 : 15;
  const maxConnections = 20_000;
  if (options.groups.has('startup')) {
    progress('CLI start-up');
    const outcome = await attempt(() => startupSection(runs, maxConnections, startupNodes(progress)));
    sections.push(outcome.ok ? outcome.value : { title: 'CLI start-up', markdown: `Failed: ${outcome.error}` });
  }
  if (options.groups.has('echo')) {
    progress('echo bot round trip');
    const outcome = await attempt(() => echoSection(options.quick ? 1000 : 3000, maxConnections));
    sections.push(outcome.ok ? outcome.value : { title: 'Echo bot round trip', markdown: `Failed: ${outcome.error}` });
  }
  if (options.groups.has('bot-flood')) {
    progress('echo bot under a flood');
    const outcome = await attempt(() => botFloodSection(options.quick ? 100 : 500, options.quick ? 3000 : 10_000));
    sections.push(outcome.ok ? outcome.value : { title: 'Echo bot under a flood', markdown: `Failed: ${outcome.error}` });
  }
  if (options.groups.has('cluster')) {
    const outcome = natsBinary
      ? await attempt(() =>
          clusterSection({
            natsBinary,
            scenarios: [
              { pairs: 16, window: 1 },
              { pairs: 16, window: 64 },
            ],
            run: { payloadBytes: options.payloadBytes, warmupMs: options.warmupMs, durationMs: options.durationMs, workers: options.workers, drainTimeoutMs: 30_000 },
            cores: bench.cores,
            progress,
          }),
        )
      : undefined;
    const title = 'Cluster mode (issue 13)';
    sections.push(outcome === undefined ? { title, markdown: 'Skipped: nats-server is not installed' } : outcome.ok ? outcome.value : { title, markdown: `Failed: ${outcome.error}` });
  }
  if (options.groups.has('pipelining')) {
    progress('client pipelining (bench/client-pipelining.ts)');
    const outcome = await attempt(pipelining);
    sections.push({ title: 'Client pipelining (SupClient)', markdown: outcome.ok ? outcome.value : `Failed: ${outcome.error}` });
  }
  if (options.groups.has('fairness')) {
    progress('fair share: other users under a get contacts flood');
    const { payloadBytes, warmupMs, durationMs, workers } = options;
    const run = { users: 1000, pairs: 16, payloadBytes, warmupMs, durationMs, workers };
    const outcome = await attempt(() => fairnessSection(starter(bench, Target.Sup, 'fairness'), run));
    sections.push(outcome.ok ? outcome.value : { title: 'Fair share under a get contacts flood', markdown: `Failed: ${outcome.error}` });
  }
  for (const section of sections) {
    if (section.markdown.startsWith('Skipped')) progress(`${section.title}: ${section.markdown}`);
  }
  if (options.profileDir) {
    for (const file of profileFiles([options.profileDir])) {
      sections.push({ title: `CPU profile of sup server: ${file}`, markdown: formatSummary(summarizeProfile(file), 25) });
    }
  }

  const loadAfter = loadavg();
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const natsLine = natsBinary
    ? `nats-server ${natsServerVersion(natsBinary)} (${natsBinary}), started with \`-a 127.0.0.1 -p -1\``
    : options.nats
      ? '**not installed**: figures for sup server alone; install it (`apt-get install nats-server`) for the comparison'
      : 'not used in this run';
  const header = [
    '# Benchmarks',
    '',
    'Written by `bench/run.ts`; run `npm run bench` to refresh it, do not edit by hand.',
    '',
    `- Date: ${started.toISOString()}`,
    `- Command: \`${commandLine(argv)}\``,
    `- Machine: ${cpu}, ${bench.cores} cores, ${formatBytes(totalmem())} RAM, Linux ${release()}, Node ${process.version}`,
    `- nats-server: ${natsLine}`,
    `- Load average (1/5/15 min) before: ${loadBefore.map((n) => n.toFixed(2)).join(' ')}, after: ${loadAfter.map((n) => n.toFixed(2)).join(' ')}. ` +
      'The machine may be shared; compare sup with nats-server within one run rather than across runs.',
    options.supBin
      ? `- Code: sup server from ${options.supBin} (not this checkout), its own process, as is nats-server.`
      : `- Code: ${gitDescription()}; sup server is \`node bin/sup.js server\` from dist/, its own process, as is nats-server.`,
    ...(options.quick ? ['- **Quick run** (--quick): short windows, figures are rough.'] : []),
    ...(options.supNodeArgs.length ? [`- sup server ran with node flags \`${options.supNodeArgs.join(' ')}\`.`] : []),
    ...(options.profileDir ? [`- sup server ran under \`node --cpu-prof\` (profiles in ${options.profileDir}), which slows it down.`] : []),
  ].join('\n');
  const markdown = `${header}\n\n${sections.map((s) => `## ${s.title}\n\n${s.markdown}`).join('\n\n')}\n`;
  process.stdout.write(markdown);
  const failedRuns = [
    ...rows.flatMap((row) => Object.values(row.results)).filter((o) => !o?.ok || !isClean(o.value)),
    ...Object.values(idleOutcomes ?? {}).filter((o) => !o?.ok),
  ].length + tlsFailures;
  if (options.out) {
    writeFileSync(options.out, markdown);
    progress(`wrote ${options.out}`);
  } else if (!options.profileDir) {
    progress('report not written to a file (--quick or --no-write; add --write to keep it)');
  }
  if (failedRuns > 0) {
    progress(`${failedRuns} run(s) failed or lost, duplicated or reordered messages: see the report`);
    return 1;
  }
  return 0;
}

const stop = (): void => {
  progress('interrupted: stopping servers');
  process.exit(130);
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`bench: ${error instanceof UsageError ? error.message : ((error as Error).stack ?? String(error))}\n`);
  process.exitCode = error instanceof UsageError ? 2 : 1;
}
// A stray handle must not keep the bench alive once the report is out.
setTimeout(() => process.exit(), 5_000).unref();
