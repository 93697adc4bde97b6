import { formatBytes, formatRate, formatRatio, markdownTable } from './format.js';
import { isClean, runIdle, runPairs, type IdleResult, type PairsResult } from './load.js';
import type { BenchCertificate, RunningServer } from './servers.js';
import { Target } from './wire.js';
import { createTestCa } from '../test/helpers/tls-ca.js';

/** The two scenarios the TLS comparison runs: many pairs pipelining, and many pairs one at a time. */
export const TLS_SCENARIOS = [
  { pairs: 16, window: 64 },
  { pairs: 128, window: 1 },
] as const;

type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };
type Mode = 'plain' | 'tls';

/** What bench/run.ts lends this section: how to start servers and run one measurement safely. */
export interface TlsBenchContext {
  targets: readonly Target[];
  start: (target: Target, label: string, tls: BenchCertificate | undefined) => () => Promise<RunningServer>;
  attempt: <T>(run: () => Promise<T>) => Promise<Outcome<T>>;
  withServer: <T>(start: () => Promise<RunningServer>, use: (server: RunningServer) => Promise<T>) => Promise<T>;
  progress: (line: string) => void;
  run: { payloadBytes: number; warmupMs: number; durationMs: number; workers: number; connections: number; idleSettleMs: number };
}

type Results<T> = Partial<Record<`${Target} ${Mode}`, Outcome<T>>>;

/** A throwaway CA and a server certificate for localhost and 127.0.0.1, removed at exit. */
function benchCertificate(): BenchCertificate {
  const cleanups: Array<() => unknown> = [];
  process.on('exit', () => cleanups.forEach((fn) => fn()));
  const ca = createTestCa({ after: (fn) => cleanups.push(fn) }, 'sup bench CA');
  return { certFile: ca.server.certFile, keyFile: ca.server.keyFile, ca: ca.cert };
}

function value<T>(outcome: Outcome<T> | undefined, read: (v: T) => number): number {
  return outcome?.ok ? read(outcome.value) : Number.NaN;
}

function show(n: number, format: (n: number) => string): string {
  return Number.isFinite(n) ? format(n) : 'failed';
}

/**
 * TLS against plain TCP, for sup and nats-server alike, on the same certificate: throughput
 * at 16x64 and 128x1, and idle memory per 1000 connections. The target: TLS costs sup no
 * more, relative to plain, than it costs nats-server.
 */
export async function tlsSection(context: TlsBenchContext): Promise<{ markdown: string; failed: number }> {
  const certificate = benchCertificate();
  const { run } = context;
  const modes: Array<[Mode, BenchCertificate | undefined]> = [
    ['plain', undefined],
    ['tls', certificate],
  ];
  const rows: Array<{ name: string; results: Results<PairsResult> }> = [];
  let failed = 0;
  for (const [round, scenario] of TLS_SCENARIOS.entries()) {
    const name = `${scenario.pairs} x ${scenario.window}`;
    const results: Results<PairsResult> = {};
    // Alternating the order spreads the drift of a shared machine over every side.
    const targets = round % 2 === 0 ? context.targets : [...context.targets].reverse();
    for (const target of targets) {
      for (const [mode, tls] of round % 2 === 0 ? modes : [...modes].reverse()) {
        context.progress(`tls: throughput ${name} against ${target} (${mode})`);
        const outcome = await context.attempt(() =>
          context.withServer(context.start(target, `tls-${mode}-${scenario.pairs}x${scenario.window}`, tls), (server) =>
            runPairs(server, { ...scenario, ...run, drainTimeoutMs: 10_000 }),
          ),
        );
        results[`${target} ${mode}`] = outcome;
        if (!outcome.ok || !isClean(outcome.value)) failed++;
        context.progress(outcome.ok ? `  ${formatRate(outcome.value.messagesPerSecond)}${isClean(outcome.value) ? '' : ' (NOT clean)'}` : `  failed: ${outcome.error}`);
      }
    }
    rows.push({ name, results });
  }
  const idle: Results<IdleResult> = {};
  for (const target of context.targets) {
    for (const [mode, tls] of modes) {
      context.progress(`tls: idle ${run.connections} connections against ${target} (${mode})`);
      const outcome = await context.attempt(() =>
        context.withServer(context.start(target, `tls-idle-${mode}`, tls), (server) => runIdle(server, run.connections, run.workers, run.idleSettleMs)),
      );
      idle[`${target} ${mode}`] = outcome;
      if (!outcome.ok) failed++;
      context.progress(outcome.ok ? `  ${formatBytes(outcome.value.bytesPer1000)} per 1000 connections` : `  failed: ${outcome.error}`);
    }
  }
  return { markdown: markdown(context, rows, idle), failed };
}

function markdown(context: TlsBenchContext, rows: Array<{ name: string; results: Results<PairsResult> }>, idle: Results<IdleResult>): string {
  const nats = context.targets.includes(Target.Nats);
  const rate = (outcome: Outcome<PairsResult> | undefined): number => value(outcome, (r) => r.messagesPerSecond);
  const throughputRows = rows.map(({ name, results }) => {
    const supShare = rate(results['sup tls']) / rate(results['sup plain']);
    const natsShare = rate(results['nats tls']) / rate(results['nats plain']);
    const cells = [name, show(rate(results['sup plain']), formatRate), show(rate(results['sup tls']), formatRate), formatRatio(supShare)];
    if (!nats) return cells;
    const verdict = Number.isFinite(supShare) && Number.isFinite(natsShare) ? (supShare >= natsShare ? 'met' : `missed: sup keeps ${formatRatio(supShare)}, nats ${formatRatio(natsShare)}`) : 'not measured';
    return [...cells, show(rate(results['nats plain']), formatRate), show(rate(results['nats tls']), formatRate), formatRatio(natsShare), verdict];
  });
  const throughputHeader = ['pairs x window', 'sup plain', 'sup TLS', 'sup TLS/plain', ...(nats ? ['nats plain', 'nats TLS', 'nats TLS/plain', 'TLS costs sup no more than nats'] : [])];
  const perThousand = (outcome: Outcome<IdleResult> | undefined): number => value(outcome, (r) => r.bytesPer1000);
  const idleRows = context.targets.map((target) => {
    const plain = perThousand(idle[`${target} plain`]);
    const tls = perThousand(idle[`${target} tls`]);
    return [target, show(plain, formatBytes), show(tls, formatBytes), show(tls - plain, formatBytes), formatRatio(tls / plain)];
  });
  const supExtra = perThousand(idle['sup tls']) / perThousand(idle['sup plain']);
  const natsExtra = perThousand(idle['nats tls']) / perThousand(idle['nats plain']);
  const idleVerdict = nats
    ? `\n\nIdle memory, TLS relative to plain: sup ${formatRatio(supExtra)}, nats ${formatRatio(natsExtra)}: ` +
      (Number.isFinite(supExtra) && Number.isFinite(natsExtra) ? (supExtra <= natsExtra ? 'met' : 'missed') : 'not measured') +
      '. Absolute TLS memory per 1000 connections, sup/nats: ' +
      formatRatio(perThousand(idle['sup tls']) / perThousand(idle['nats tls'])) +
      '.'
    : '';
  const failures = [...rows.flatMap(({ name, results }) => Object.entries(results).map(([who, o]) => [`${name} against ${who}`, o] as const)), ...Object.entries(idle).map(([who, o]) => [`idle against ${who}`, o] as const)]
    .flatMap(([what, outcome]) => (outcome && !outcome.ok ? [`- ${what} failed: ${outcome.error.replaceAll('\n', ' ').slice(0, 800)}`] : []));
  return [
    `Both servers on the same throwaway ECDSA P-256 certificate (TLS 1.3 for sup; nats-server 2.9 upgrades to TLS after its INFO line), against the same servers on plain TCP, in the same run. ` +
      `${run(context)}`,
    '',
    markdownTable(throughputHeader, throughputRows),
    '',
    `Idle logged-in connections (${context.run.connections} per run), server RSS per 1000 connections:`,
    '',
    markdownTable(['server', 'plain', 'TLS', 'TLS extra', 'TLS/plain'], idleRows) + idleVerdict + (failures.length ? `\n\n${failures.join('\n')}` : ''),
  ].join('\n');
}

function run(context: TlsBenchContext): string {
  const { payloadBytes, warmupMs, durationMs } = context.run;
  return `${payloadBytes}-byte payloads, warm-up ${warmupMs / 1000} s, ${durationMs / 1000} s measured per run; rates are messages delivered per second.`;
}
