import { pathToFileURL } from 'node:url';
import { CLIENT_DEFAULTS } from '../src/client/options.js';
import { SupClient } from '../src/client/sup-client.js';
import { SupServer } from '../src/server/sup-server.js';

const WARMUP_MS = 500;
const MEASURE_MS = 2_500;
const TEXT = 'pipelining benchmark message, about sixty bytes of chat text';

interface Measurement {
  window: number;
  messagesPerSecond: number;
}

/**
 * Pipelined `send` throughput through the bundled server, one sender to one receiver, with
 * a window of 1 (one request at a time) and with the default window; a markdown table.
 */
export async function run(): Promise<string> {
  const server = new SupServer({ port: 0 });
  const { port } = await server.listen();
  try {
    await measure(port, CLIENT_DEFAULTS.maxInFlight, WARMUP_MS);
    const serial = await measure(port, 1, MEASURE_MS);
    const pipelined = await measure(port, CLIENT_DEFAULTS.maxInFlight, MEASURE_MS);
    return table([serial, pipelined], pipelined.messagesPerSecond / serial.messagesPerSecond);
  } finally {
    await server.close();
  }
}

let runs = 0;

async function measure(port: number, window: number, durationMs: number): Promise<Measurement> {
  runs++;
  const sender = new SupClient({ port, username: `sender-${runs}`, maxInFlight: window, reconnect: false });
  const receiver = new SupClient({ port, username: `receiver-${runs}`, reconnect: false });
  try {
    await Promise.all([sender.connect(), receiver.connect()]);
    let received = 0;
    receiver.on('message', () => received++);
    // Twice the window outstanding keeps the window full while answers come back.
    const outstanding = window * 2;
    const to = receiver.username;
    const started = performance.now();
    const deadline = started + durationMs;
    let sent = 0;
    let acknowledged = 0;
    await new Promise<void>((resolve, reject) => {
      const next = (): void => {
        if (performance.now() >= deadline) {
          if (acknowledged === sent) resolve();
          return;
        }
        sent++;
        sender.send(to, TEXT).then(() => {
          acknowledged++;
          next();
        }, reject);
      };
      for (let i = 0; i < outstanding; i++) next();
    });
    const elapsedMs = performance.now() - started;
    // Every acknowledged message was queued to the receiver: wait until it has them all.
    while (received < acknowledged) await new Promise((resolve) => setImmediate(resolve));
    return { window, messagesPerSecond: (acknowledged / elapsedMs) * 1000 };
  } finally {
    sender.close();
    receiver.close();
  }
}

function table(rows: Measurement[], gain: number): string {
  const rate = (perSecond: number): string => `${Math.round(perSecond).toLocaleString('en-US')}`;
  return [
    '| window (maxInFlight) | sends/s, acknowledged |',
    '| --- | --- |',
    ...rows.map((row) => `| ${row.window}${row.window === CLIENT_DEFAULTS.maxInFlight ? ' (default)' : ''} | ${rate(row.messagesPerSecond)} |`),
    '',
    `Pipelining gain: ${gain.toFixed(1)}x (one sender, one receiver, through the bundled server on 127.0.0.1).`,
  ].join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  run().then(
    (report) => process.stdout.write(`${report}\n`),
    (error: unknown) => {
      process.stderr.write(`client-pipelining benchmark failed: ${String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
