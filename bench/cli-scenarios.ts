import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatMicros, formatMs, formatRate, markdownTable, median, quantile } from './format.js';
import { LatencyHistogram } from './histogram.js';
import { REPO_ROOT, startSupServer, SUP_BIN, type RunningServer } from './servers.js';
import { EOT, exchange, open, openIdle, supLoginComplete } from './wire.js';

const COMMAND_TIMEOUT_MS = 15_000;
const PEER = 'bench-peer';

/** A section of the report: a title and its markdown. */
export interface Section {
  title: string;
  markdown: string;
}

/** Where the server is and who to log in as, the same way for every command. */
function connectionArgs(server: RunningServer, username: string): string[] {
  return ['--host', server.host, '--port', String(server.port), '--user', username];
}

interface Timed {
  ms: number[];
  failure: string | undefined;
}

interface Timing {
  command: string;
  args: readonly string[];
  timed: Timed;
}

/** One run of a command: its wall time from spawn to exit, or why it failed. */
function runOnce(command: string, args: readonly string[]): Promise<{ ms: number; failure: string | undefined }> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'], timeout: COMMAND_TIMEOUT_MS });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (text: string) => (stderr += text));
    child.once('error', (error) => resolve({ ms: 0, failure: `exit -1: ${error.message}` }));
    child.once('close', (code) => {
      const why = stderr.trim().split('\n')[0] ?? '';
      resolve({ ms: performance.now() - started, failure: code === 0 ? undefined : `exit ${code}${why ? `: ${why}` : ''}` });
    });
  });
}

/**
 * Runs every command `runs` times, taking turns (one run of each, then again), so a load
 * that comes and goes on a shared machine hits every command alike.
 */
async function timeInterleaved(commands: ReadonlyArray<{ command: string; args: readonly string[] }>, runs: number): Promise<Timing[]> {
  const timings = commands.map(({ command, args }) => ({ command, args, timed: { ms: [] as number[], failure: undefined as string | undefined } }));
  for (let i = 0; i < runs; i++) {
    for (const timing of timings) {
      if (timing.timed.failure !== undefined) continue;
      const run = await runOnce(timing.command, timing.args);
      if (run.failure !== undefined) timing.timed.failure = run.failure;
      else timing.timed.ms.push(run.ms);
    }
  }
  return timings;
}

/** A Node to measure start-up on: its label and its binary. */
export interface NodeBinary {
  label: string;
  execPath: string;
}

/** This Node, and Node 24 from `.ci/node-24` (which installs it on first use) when this is not 24. */
export function startupNodes(say: (text: string) => void): NodeBinary[] {
  const nodes = [{ label: `Node ${process.version}`, execPath: process.execPath }];
  if (process.versions.node.startsWith('24.')) return nodes;
  const found = spawnSync(join(REPO_ROOT, '.ci', 'node-24'), { cwd: REPO_ROOT, encoding: 'utf8', timeout: 300_000 });
  const dir = found.status === 0 ? found.stdout.trim() : '';
  if (dir === '') {
    say(`Node 24 is not available (.ci/node-24 failed: ${(found.stderr ?? found.error?.message ?? '').trim().split('\n')[0]}): start-up measured on ${process.version} only`);
    return nodes;
  }
  const execPath = join(dir, 'node');
  const version = spawnSync(execPath, ['--version'], { encoding: 'utf8' }).stdout.trim();
  return [...nodes, { label: `Node ${version}`, execPath }];
}

// Issue 10: `sup send` within 1.3x bare `node -e 0`, on each Node version.
const SEND_TARGET = 1.3;

/** `sup send` and `sup status` wall time against `node -e 0`, on each Node given. */
export async function startupSection(runs: number, maxConnections: number, nodes: readonly NodeBinary[]): Promise<Section> {
  const title = 'CLI start-up (one-shot commands against a local server)';
  const server = await startSupServer({ maxConnections });
  let peer: Socket | undefined;
  try {
    peer = await openIdle('sup', server.host, server.port, PEER);
    const names: Array<[string, string[]]> = [
      ['send', [PEER, 'hello from the bench']],
      ['status', [PEER]],
    ];
    const commands = nodes.flatMap((node) => [
      { command: node.execPath, args: ['-e', '0'] },
      ...names.map(([name, rest]) => ({ command: node.execPath, args: [SUP_BIN, name, ...connectionArgs(server, `bench-cli-${name}`), ...rest] })),
    ]);
    const timings = await timeInterleaved(commands, runs);
    const rows: string[][] = [];
    const targets: string[] = [];
    nodes.forEach((node, n) => {
      const [baseline, ...supTimings] = timings.slice(n * (names.length + 1), (n + 1) * (names.length + 1));
      rows.push([node.label, '`node -e 0`', formatMs(median(baseline!.timed.ms)), formatMs(quantile(baseline!.timed.ms, 0.9)), '1.00x', baseline!.timed.failure ?? '']);
      supTimings.forEach((timing, i) => {
        const ratio = median(timing.timed.ms) / median(baseline!.timed.ms);
        rows.push([
          node.label,
          `\`sup ${names[i]![0]}\``,
          formatMs(median(timing.timed.ms)),
          formatMs(quantile(timing.timed.ms, 0.9)),
          Number.isFinite(ratio) ? `${ratio.toFixed(2)}x` : 'n/a',
          timing.timed.failure ? `failed on run ${timing.timed.ms.length + 1}: ${timing.timed.failure} (args: ${timing.args.slice(1).join(' ')})` : '',
        ]);
        if (names[i]![0] === 'send' && Number.isFinite(ratio)) {
          const met = ratio <= SEND_TARGET;
          targets.push(`- ${node.label}: \`sup send\` ${ratio.toFixed(2)}x \`node -e 0\` (target at most ${SEND_TARGET}x): ${met ? 'met' : `missed by ${Math.round((ratio / SEND_TARGET - 1) * 100)}%`}`);
        }
      });
    });
    const table = markdownTable(['node', 'command', 'median', 'p90', 'vs node -e 0 (same node)', 'note'], rows);
    const how = `${runs} runs each, taking turns (one run of every command, then the next round); wall time from spawn to exit, the server already running. On Node >= 22.1 \`bin/sup.js\` turns on the module compile cache (kept in the OS temp folder), so the runs after the first load cached code.`;
    return { title, markdown: `${how}\n\n${table}\n\n${targets.join('\n')}` };
  } finally {
    peer?.destroy();
    await server.stop();
  }
}

export const ECHO_BOT = join(REPO_ROOT, 'bots', 'echo.js');

/** Asks the server whether `name` is online, over a fresh connection. */
export async function isOnline(server: RunningServer, name: string): Promise<boolean> {
  const socket = await open(server.host, server.port);
  try {
    await exchange(socket, 'login bench-probe\x04', supLoginComplete('bench-probe'), 'login bench-probe');
    let reply = '';
    await exchange(
      socket,
      `contact ${name}\x04`,
      (received) => {
        const eot = received.indexOf(EOT);
        if (eot === -1) return -1;
        reply = received.toString('latin1', 0, eot);
        return eot + 1;
      },
      `contact ${name}`,
    );
    return reply === 'status 001 Online';
  } finally {
    socket.destroy();
  }
}

/** Round trips through the echo bot, one at a time, for `durationMs`. */
export async function echoSection(durationMs: number, maxConnections: number): Promise<Section> {
  const title = 'Echo bot round trip';
  const botName = 'echo';
  const server = await startSupServer({ maxConnections });
  // The default per-recipient rate limit (5/s after a burst of 10) would be what is measured.
  const scratch = mkdtempSync(join(tmpdir(), 'sup-bench-echo-'));
  const config = join(scratch, 'sup.config.json');
  writeFileSync(config, JSON.stringify({ bot: { limits: { rate: { burst: 1_000_000, perSecond: 1_000_000 } } } }));
  const args = [SUP_BIN, 'bot', ECHO_BOT, '--config', config, '--state-dir', scratch, ...connectionArgs(server, botName)];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => (stderr = (stderr + text).slice(-2000)));
  let user: Socket | undefined;
  try {
    const deadline = performance.now() + COMMAND_TIMEOUT_MS;
    while (!(await isOnline(server, botName))) {
      if (performance.now() > deadline || child.exitCode !== null) {
        return { title, markdown: `Failed: the echo bot (\`${args.slice(1).join(' ')}\`) was not online as "${botName}" within ${COMMAND_TIMEOUT_MS} ms. Its stderr: ${stderr.trim() || '(empty)'}` };
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    user = await openIdle('sup', server.host, server.port, 'bench-echo-user');
    const latency = new LatencyHistogram();
    const samples = await roundTrips(user, botName, durationMs, latency);
    const table = markdownTable(
      ['round trips', 'rate', 'p50', 'p99'],
      [[String(samples.count), formatRate(samples.count / (durationMs / 1000)), formatMicros(latency.percentile(0.5)), formatMicros(latency.percentile(0.99))]],
    );
    return { title, markdown: `One message in flight: \`send echo <text>\` until the bot's \`recv\` comes back (the bot's per-recipient rate limit raised out of the way).${samples.problem ? ` Problem: ${samples.problem}` : ''}\n\n${table}` };
  } finally {
    user?.destroy();
    child.kill('SIGTERM');
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

function roundTrips(user: Socket, botName: string, durationMs: number, latency: LatencyHistogram): Promise<{ count: number; problem?: string }> {
  return new Promise((resolve) => {
    let count = 0;
    let sentAt = 0;
    let rest = '';
    let expected = '';
    const endAt = performance.now() + durationMs;
    const finish = (problem?: string): void => {
      clearTimeout(timer);
      user.off('data', onData);
      resolve(problem === undefined ? { count } : { count, problem });
    };
    const sendNext = (): void => {
      if (performance.now() >= endAt) {
        finish();
        return;
      }
      expected = `ping ${count}`;
      sentAt = performance.now();
      user.write(`send ${botName} ${expected}\x04`, 'latin1');
    };
    const onData = (chunk: Buffer): void => {
      rest += chunk.toString('latin1');
      let eot: number;
      while ((eot = rest.indexOf('\x04')) !== -1) {
        const frame = rest.slice(0, eot);
        rest = rest.slice(eot + 1);
        if (frame.startsWith('status ') && frame !== 'status 000 OK') return finish(`the send was answered "${frame}"`);
        if (frame === `recv ${botName} ${expected}`) {
          latency.record((performance.now() - sentAt) * 1000);
          count++;
          sendNext();
        }
      }
    };
    const timer = setTimeout(() => finish(`no echo within ${COMMAND_TIMEOUT_MS} ms of the last send`), durationMs + COMMAND_TIMEOUT_MS);
    user.on('data', onData);
    sendNext();
  });
}
