import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cleanup } from './raw-peer.js';

// A nats-server that has not said it is ready by then has failed to start.
const START_TIMEOUT_MS = 15_000;

// Debian installs it in /usr/sbin, which is not on an ordinary user's PATH.
const NATS_SERVER_CANDIDATES = ['nats-server', '/usr/sbin/nats-server'];

/** The nats-server to run; throws a clear error, at once, when none is installed: cluster tests cannot run without it. */
export function requireNatsServer(): string {
  for (const binary of NATS_SERVER_CANDIDATES) {
    const probe = spawnSync(binary, ['--version'], { encoding: 'utf8' });
    if (probe.error === undefined && probe.status === 0) return binary;
  }
  throw new Error('nats-server is not installed: the cluster tests need it (apt-get install nats-server; .ci/run does this)');
}

/** A real `nats-server -js` on 127.0.0.1 with a port and store directory of its own. */
export class NatsServer {
  readonly port: number;
  readonly #binary: string;
  readonly #storeDir: string;
  #child: ChildProcess | undefined;

  private constructor(binary: string, port: number, storeDir: string) {
    this.#binary = binary;
    this.port = port;
    this.#storeDir = storeDir;
  }

  /** Starts one; `cleanup` stops it and removes its store when the test ends. */
  static async start(cleanup: Cleanup): Promise<NatsServer> {
    const binary = requireNatsServer();
    const server = new NatsServer(binary, await freePort(), mkdtempSync(join(tmpdir(), 'sup-nats-')));
    cleanup.after(async () => {
      await server.stop();
      rmSync(server.#storeDir, { recursive: true, force: true });
    });
    await server.restart();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Starts it again on the same port (after `stop`); resolves once it accepts clients. */
  async restart(): Promise<void> {
    const child = spawn(this.#binary, ['-js', '-a', '127.0.0.1', '-p', String(this.port), '-sd', this.#storeDir], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.#child = child;
    let log = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`nats-server did not start within ${START_TIMEOUT_MS} ms: ${log}`)), START_TIMEOUT_MS);
      const fail = (error: Error): void => {
        clearTimeout(timer);
        child.kill('SIGKILL');
        reject(error);
      };
      child.stderr!.setEncoding('utf8').on('data', (text: string) => {
        log += text;
        if (log.includes('Server is ready')) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once('error', fail);
      child.once('exit', (code) => fail(new Error(`nats-server exited with ${code} before it was ready: ${log}`)));
    });
    child.stderr!.resume();
  }

  /** Stops it (SIGKILL: a broker crash) and waits until it has exited. */
  async stop(): Promise<void> {
    const child = this.#child;
    this.#child = undefined;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }
}

function freePort(): Promise<number> {
  const probe = createServer();
  return new Promise((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
