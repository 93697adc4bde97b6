import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Target, type WireTls } from './wire.js';

export const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** This checkout's CLI entry. */
export const SUP_BIN = fileURLToPath(new URL('../bin/sup.js', import.meta.url));
const HOST = '127.0.0.1';
const START_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 10_000;
const STDERR_TAIL_BYTES = 4096;

/** A server process the bench started; measured through /proc, stopped by `stop()`. */
export interface RunningServer {
  readonly target: Target;
  readonly host: string;
  readonly port: number;
  /** Set when the server speaks TLS: what clients verify it with. */
  readonly tls: WireTls | undefined;
  readonly pid: number;
  /** Where senders connect, when not `port` (a cluster with every pair crossing nodes). */
  readonly senderPort?: number;
  /** Every process whose CPU the server costs (a cluster's nodes and broker); default `[pid]`. */
  cpuPids?(): number[];
  /** The end of what the server wrote to stderr, for error messages. */
  stderrTail(): string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

// A crash or Ctrl-C in the bench must not leave servers behind.
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface SupServerLaunch {
  /** Extra node flags, e.g. `--cpu-prof`. */
  nodeArgs?: readonly string[];
  maxConnections: number;
  /** Another build's `bin/sup.js`, to compare it with this one. @default this checkout's */
  supBin?: string;
  /** More `sup server` flags, e.g. `--cluster URL`. */
  extraArgs?: readonly string[];
  /** Serve TLS with this certificate. @default plain TCP */
  tls?: BenchCertificate;
}

/** A server certificate for 127.0.0.1/localhost and the CA (PEM) that signed it. */
export interface BenchCertificate {
  certFile: string;
  keyFile: string;
  ca: string;
}

export function startSupServer(launch: SupServerLaunch): Promise<RunningServer> {
  const args = [
    ...(launch.nodeArgs ?? []),
    launch.supBin ?? SUP_BIN,
    'server',
    '--host',
    HOST,
    '--port',
    '0',
    '--max-connections',
    String(launch.maxConnections),
    // Every bench connection comes from 127.0.0.1; builds from before the per-address limit have no such flag.
    ...(launch.supBin === undefined ? ['--max-connections-per-ip', '0'] : []),
    ...(launch.tls ? ['--tls-cert', launch.tls.certFile, '--tls-key', launch.tls.keyFile] : []),
    ...(launch.extraArgs ?? []),
  ];
  return launchServer(Target.Sup, process.execPath, args, /sup server listening on (.+):(\d+)/, launch.tls);
}

export function startNatsServer(binary: string, tls?: BenchCertificate): Promise<RunningServer> {
  // `-p -1` picks a free port, and the log line names it.
  const args = ['-a', HOST, '-p', '-1', ...(tls ? ['-c', natsTlsConfig(tls)] : [])];
  return launchServer(Target.Nats, binary, args, /Listening for client connections on (.+):(\d+)/, tls);
}

/**
 * nats-server's TLS settings as a config file: its handshake timeout (0.5 s by default)
 * is only settable there, and on a loaded machine opening thousands of connections needs
 * the 10 s sup's own login timeout gives.
 */
function natsTlsConfig(tls: BenchCertificate): string {
  const file = join(dirname(tls.certFile), 'nats-tls.conf');
  writeFileSync(file, `tls {\n  cert_file: ${JSON.stringify(tls.certFile)}\n  key_file: ${JSON.stringify(tls.keyFile)}\n  timeout: 10\n}\n`);
  return file;
}

/** A JetStream broker for cluster nodes, its store in `storeDir`. */
export function startJetStreamServer(binary: string, storeDir: string, port = -1): Promise<RunningServer> {
  return launchServer(Target.Nats, binary, ['-js', '-sd', storeDir, '-a', HOST, '-p', String(port)], /Listening for client connections on (.+):(\d+)/);
}

function launchServer(target: Target, command: string, args: readonly string[], ready: RegExp, tls?: BenchCertificate): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    let stderr = '';
    let settled = false;
    let exited = false;
    const exit = new Promise<void>((done) => {
      child.once('exit', () => {
        exited = true;
        running.delete(child);
        done();
      });
    });
    const fail = (message: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${message}${stderr ? `; its stderr ends with:\n${stderr.trim()}` : ''}`));
    };
    const timer = setTimeout(() => fail(`${target} server did not say it was listening within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    child.once('error', (error) => fail(`cannot start ${command}: ${error.message}`));
    child.once('exit', (code, signal) => fail(`${target} server exited before listening (code ${code}, signal ${signal})`));
    // Read stderr to the end, or a chatty server would block on a full pipe.
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      stderr = (stderr + text).slice(-STDERR_TAIL_BYTES);
      const match = settled ? null : ready.exec(stderr);
      if (!match) return;
      settled = true;
      clearTimeout(timer);
      resolve({
        target,
        host: HOST,
        port: Number(match[2]),
        tls: tls === undefined ? undefined : { ca: tls.ca },
        pid: child.pid!,
        stderrTail: () => stderr,
        stop: async () => {
          if (exited) return;
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          await exit;
          clearTimeout(killer);
        },
      });
    });
  });
}

/** The nats-server binary on PATH (or in /usr/sbin, where Debian puts it, off an ordinary user's PATH), or undefined. */
export function findNatsServer(): string | undefined {
  const found = spawnSync('sh', ['-c', 'command -v nats-server || command -v /usr/sbin/nats-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  return found.status === 0 && path ? path : undefined;
}

export function natsServerVersion(binary: string): string {
  const result = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return (result.stdout || result.stderr).trim().replace(/^nats-server:\s*/, '') || 'unknown';
}

function readProc(pid: number | 'self', file: string): string {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'latin1');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`the server process ${pid} exited during the run`, { cause: error });
    throw error;
  }
}

const CLOCK_TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

/** CPU seconds a process (all its threads) has used, in user and in kernel (system) mode. */
export function processCpuSeconds(pid: number): { user: number; system: number } {
  const stat = readProc(pid, 'stat');
  // Fields after the command name, which may itself hold spaces, start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: Number(fields[11]) / CLOCK_TICKS_PER_SECOND, system: Number(fields[12]) / CLOCK_TICKS_PER_SECOND };
}

/** Resident memory in bytes, from /proc/PID/status. */
export function processRssBytes(pid: number): number {
  const status = readProc(pid, 'status');
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
  return match ? Number(match[1]) * 1024 : Number.NaN;
}

/** Read-like and write-like system calls a process (all its threads) has made, from /proc/PID/io. */
export function processSyscalls(pid: number): { reads: number; writes: number } {
  const io = readProc(pid, 'io');
  return { reads: Number(/^syscr:\s+(\d+)/m.exec(io)?.[1] ?? Number.NaN), writes: Number(/^syscw:\s+(\d+)/m.exec(io)?.[1] ?? Number.NaN) };
}

export function openFileCount(pid: number | 'self'): number {
  return readdirSync(`/proc/${pid}/fd`).length;
}

/** The open-file limit (soft, hard) of a process, from /proc/PID/limits. */
export function openFileLimit(pid: number | 'self' = 'self'): { soft: number; hard: number } {
  const limits = readProc(pid, 'limits');
  const match = /^Max open files\s+(\S+)\s+(\S+)/m.exec(limits);
  const parse = (value: string | undefined): number => (value === 'unlimited' ? Infinity : Number(value));
  return { soft: parse(match?.[1]), hard: parse(match?.[2]) };
}
