// The echo bot under a flood (issue 9, item 8): many senders pipelining 16 KB messages at it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ECHO_BOT, isOnline, type Section } from './cli-scenarios.js';
import { formatBytes, markdownTable } from './format.js';
import { processRssBytes, REPO_ROOT, startSupServer, SUP_BIN } from './servers.js';
import { openIdle } from './wire.js';

const BOT = 'echo';
const TEXT_BYTES = 16_000;
// Sends each sender keeps unanswered, so the flood is as fast as the server takes it.
const WINDOW = 8;
const START_TIMEOUT_MS = 15_000;

interface Flood {
  acked: number;
  stop(): void;
}

/** Pipelines `send echo <16 KB>` from one sender, WINDOW at a time, reading (and discarding) everything back. */
function flood(socket: Socket): Flood {
  const frame = Buffer.from(`send ${BOT} ${'x'.repeat(TEXT_BYTES)}\x04`, 'latin1');
  const state: Flood = { acked: 0, stop: () => (stopped = true) };
  let stopped = false;
  let outstanding = 0;
  let rest = '';
  const fill = (): void => {
    while (!stopped && outstanding < WINDOW) {
      outstanding++;
      socket.write(frame);
    }
  };
  socket.on('data', (chunk: Buffer) => {
    // Only statuses matter; a recv's 16 KB body is skipped by looking for "status" after each EOT.
    rest += chunk.toString('latin1');
    let eot: number;
    while ((eot = rest.indexOf('\x04')) !== -1) {
      if (rest.startsWith('status 000')) {
        state.acked++;
        outstanding--;
      } else if (rest.startsWith('status ')) outstanding--;
      rest = rest.slice(eot + 1);
    }
    fill();
  });
  socket.on('error', () => {});
  fill();
  return state;
}

/** Peak RSS of `sup bot bots/echo.js` (default limits) while `senders` flood it for `durationMs`. */
export async function botFloodSection(senders: number, durationMs: number): Promise<Section> {
  const title = 'Echo bot under a flood';
  const server = await startSupServer({ maxConnections: senders + 100 });
  const scratch = mkdtempSync(join(tmpdir(), 'sup-bench-flood-'));
  const args = [SUP_BIN, 'bot', ECHO_BOT, '--state-dir', scratch, '--log-format', 'json', '--host', server.host, '--port', String(server.port), '--user', BOT];
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    const parts = (partial + text).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const sockets: Socket[] = [];
  try {
    const deadline = performance.now() + START_TIMEOUT_MS;
    while (!(await isOnline(server, BOT))) {
      if (performance.now() > deadline || child.exitCode !== null) return { title, markdown: `Failed: the echo bot was not online within ${START_TIMEOUT_MS} ms.` };
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const rssBefore = processRssBytes(child.pid!);
    for (let i = 0; i < senders; i++) sockets.push(await openIdle('sup', server.host, server.port, `flooder${i}`));
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, processRssBytes(child.pid!) || 0);
    }, 50);
    const floods = sockets.map(flood);
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    for (const f of floods) f.stop();
    clearInterval(sampler);
    peak = Math.max(peak, processRssBytes(child.pid!) || 0);
    const online = await isOnline(server, BOT);
    child.kill('SIGTERM');
    const code = await exited;
    const events = lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as { event?: string; state?: string; count?: number; error?: { message?: string } }];
      } catch {
        return [{ event: 'not-json' }];
      }
    });
    const dropped = events.filter((e) => e.event === 'messages-dropped').reduce((sum, e) => sum + (e.count ?? 0), 0);
    const cutOff = events.filter((e) => e.event === 'connection' && e.state === 'backoff');
    const reconnects = cutOff.length;
    const acked = floods.reduce((sum, f) => sum + f.acked, 0);
    const table = markdownTable(
      ['senders', 'seconds', 'sends acked', 'dropped (told)', 'bot RSS before', 'bot peak RSS', 'bot cut off', 'stderr lines not JSON'],
      [[String(senders), String(durationMs / 1000), String(acked), String(dropped), formatBytes(rssBefore), formatBytes(peak), String(reconnects), String(events.filter((e) => e.event === 'not-json').length)]],
    );
    const note =
      `Each sender pipelines \`send echo <${TEXT_BYTES / 1000} KB>\` (${WINDOW} unanswered at a time) for the whole window; the bot runs with its default limits ` +
      `(\`limits.maxQueuedBytes\` 16 MiB). "bot cut off" counts reconnects (the server closing it as a slow reader would be one); ` +
      `the bot ${online ? 'was' : 'was NOT'} online at the end and exited ${code}.` +
      (cutOff[0] === undefined ? '' : ` First cut-off: ${cutOff[0].error?.message ?? 'no reason logged'}.`);
    return { title, markdown: `${note}\n\n${table}` };
  } finally {
    for (const socket of sockets) socket.destroy();
    if (child.exitCode === null) child.kill('SIGKILL');
    await server.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}
