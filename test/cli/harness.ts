import assert from 'node:assert/strict';
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { runCli } from '../../src/cli/program.js';
import { EotFrames, eotBytes } from '../helpers/eot-frames.js';
import { LocalListener } from '../helpers/local-listener.js';
import type { Cleanup } from '../helpers/raw-peer.js';
import { closedPort, loggedIn, startServer } from '../helpers/server.js';

export type { Cleanup };

/** The built CLI that bin/sup.js loads; `npm test` builds it before the tests run. */
export const BUILT_CLI = fileURLToPath(new URL('../../dist/cli-bundle/sup.js', import.meta.url));
/** What a user runs. */
export const BIN = fileURLToPath(new URL('../../bin/sup.js', import.meta.url));

/** A fresh empty directory, removed when the test ends; no config file is found in it. */
export function tempDir(cleanup: Cleanup, prefix = 'sup-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cleanup.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Puts a `sup` that runs the built CLI in `<dir>/bin`; returns a PATH with it first. */
export function supOnPath(dir: string): string {
  mkdirSync(join(dir, 'bin'));
  writeFileSync(join(dir, 'bin/sup'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`, { mode: 0o755 });
  return `${join(dir, 'bin')}:${process.env.PATH}`;
}

/** Text written to a stream, with a way to wait for a line. */
export class Captured {
  readonly stream = new PassThrough();
  #text = '';
  #waiters: Array<{ test: (text: string) => boolean; resolve: () => void }> = [];

  constructor() {
    this.stream.setEncoding('utf8');
    this.stream.on('data', (chunk: string) => {
      this.#text += chunk;
      this.#waiters = this.#waiters.filter((waiter) => {
        if (!waiter.test(this.#text)) return true;
        waiter.resolve();
        return false;
      });
    });
  }

  get text(): string {
    return this.#text;
  }

  get lines(): string[] {
    return this.#text.split('\n').filter((line) => line !== '');
  }

  /** Resolves once the text so far matches. */
  until(pattern: RegExp): Promise<void> {
    if (pattern.test(this.#text)) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ test: (text) => pattern.test(text), resolve }));
  }
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  /** The whole of stdin (ended at once); omit for a stdin that stays open and empty. */
  stdin?: string;
  /** Defaults to a fresh empty temp dir. */
  cwd?: string;
  /** A stderr that claims to be a terminal of this many columns. */
  ttyColumns?: number;
  /** A stdin that claims to be a terminal. */
  stdinTty?: boolean;
}

export interface CliRun {
  /** Resolves with the exit code once runCli returns. */
  exited: Promise<number>;
  stdout: Captured;
  stderr: Captured;
  stdin: PassThrough;
  /** Fires `io.shutdown`, as SIGINT/SIGTERM do in the real process. */
  shutdown: () => void;
}

/** Starts `sup <args>` in-process with injected streams; returns at once. */
export function startCli(args: readonly string[], cleanup: Cleanup, options: CliOptions = {}): CliRun {
  const stdout = new Captured();
  const stderr = new Captured();
  if (options.ttyColumns !== undefined) fakeTerminal(stderr.stream, options.ttyColumns);
  const stdin = new PassThrough();
  if (options.stdinTty) Object.assign(stdin, { isTTY: true });
  if (options.stdin !== undefined) stdin.end(options.stdin);
  const shutdown = new AbortController();
  const cwd = options.cwd ?? tempDir(cleanup);
  const exited = runCli(args, {
    stdout: stdout.stream,
    stderr: stderr.stream,
    stdin,
    env: options.env ?? {},
    shutdown: shutdown.signal,
    cwd,
  });
  // A test that fails half-way must not leave a listening CLI behind.
  cleanup.after(async () => {
    shutdown.abort();
    await exited.catch(() => {});
  });
  return { exited, stdout, stderr, stdin, shutdown: () => shutdown.abort() };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `sup <args>` in-process to the end. */
export async function runSup(args: readonly string[], cleanup: Cleanup, options: CliOptions = {}): Promise<CliResult> {
  const run = startCli(args, cleanup, options);
  const code = await run.exited;
  // Writes made before runCli returned are already in the captured text: PassThrough delivers in order.
  await new Promise((resolve) => setImmediate(resolve));
  return { code, stdout: run.stdout.text, stderr: run.stderr.text };
}

/** What ora needs of a terminal stream. */
function fakeTerminal(stream: PassThrough, columns: number): void {
  Object.assign(stream, {
    isTTY: true,
    columns,
    rows: 24,
    cursorTo: (_x: number, callback?: () => void) => stream.write('\x1b[G', callback),
    moveCursor: (_dx: number, _dy: number, callback?: () => void) => stream.write('\x1b[A', callback),
    clearLine: (_dir: number, callback?: () => void) => stream.write('\x1b[K', callback),
  });
}

export { closedPort, loggedIn, startServer };

/** Resolves once `name` is online; asks the server with `contact` until it says so. */
export async function untilOnline(port: number, cleanup: Cleanup, name: string): Promise<void> {
  const watcher = await loggedIn(port, cleanup, `watch-${process.hrtime.bigint() % 100000n}`);
  try {
    // No event tells us another client logged in, so ask; a short pause keeps the loop cheap.
    for (;;) {
      const [answer] = await watcher.request(`contact ${name}`);
      if (answer === 'status 001 Online') return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    watcher.destroy();
  }
}

/**
 * Answers a scripted client frame with these frames; `null` never answers, `'hang-up'`
 * closes the connection without a word.
 */
export type Answer = readonly string[] | null | 'hang-up';

/** Answers by the frame's first word; the defaults behave like a polite server. */
export type Script = Partial<Record<'login' | 'send' | 'contact' | 'get' | 'quit', Answer | ((frame: string) => Answer)>>;

const POLITE: Record<keyof Script, Answer> = {
  login: ['status 000 OK'],
  send: ['status 000 OK'],
  contact: ['status 103 Offline'],
  get: ['status 000 OK', 'contacts'],
  quit: ['status 000 OK'],
};

/**
 * A scripted stand-in for a Sup server, for what the real one does too well: never answer,
 * answer with an odd status, send a recv before the status. Its own EOT splitting is
 * independent of src/protocol. It counts every connection it accepts.
 */
export class ScriptedServer {
  /** Every frame received, from every connection, in order. */
  readonly frames: string[] = [];
  readonly #script: Script;
  #listener!: LocalListener;
  #frameWaiters: Array<{ test: (frame: string) => boolean; resolve: (frame: string) => void }> = [];

  private constructor(script: Script) {
    this.#script = script;
  }

  static async start(cleanup: Cleanup, script: Script = {}): Promise<ScriptedServer> {
    const fake = new ScriptedServer(script);
    fake.#listener = await LocalListener.start(cleanup, (socket) => fake.#accept(socket));
    return fake;
  }

  get port(): number {
    return this.#listener.port;
  }

  /** Connections accepted so far. */
  get accepted(): number {
    return this.#listener.accepted;
  }

  /** Open connections right now. */
  get open(): number {
    return this.#listener.sockets.size;
  }

  /** Resolves with the first frame (already received or still to come) that matches. */
  frame(pattern: RegExp): Promise<string> {
    const seen = this.frames.find((frame) => pattern.test(frame));
    if (seen !== undefined) return Promise.resolve(seen);
    return new Promise((resolve) => this.#frameWaiters.push({ test: (frame) => pattern.test(frame), resolve }));
  }

  /** Sends frames to every open connection (a `recv` to a listening CLI, say). */
  push(...frames: string[]): void {
    for (const socket of this.#listener.sockets) socket.write(eotBytes(frames));
  }

  /**
   * Resolves with the number of connections accepted before a fresh probe connection:
   * the accept queue is first in, first out, so any connection the CLI opened before
   * returning has been counted once the probe has.
   */
  async acceptedBeforeProbe(): Promise<number> {
    // Registered after the constructor's listener, so the probe is counted when this runs.
    const counted = new Promise<number>((resolve) => this.#listener.server.once('connection', () => resolve(this.#listener.accepted - 1)));
    const probe = connect({ port: this.port, host: '127.0.0.1' });
    probe.on('error', () => {});
    try {
      return await counted;
    } finally {
      probe.destroy();
    }
  }

  /** Drops every open connection, as a server restart would, and keeps listening. */
  async closeConnections(): Promise<void> {
    const sockets = [...this.#listener.sockets];
    const closed = sockets.map((socket) => new Promise((resolve) => socket.once('close', resolve)));
    for (const socket of sockets) socket.destroy();
    await Promise.all(closed);
  }

  close(): Promise<void> {
    return this.#listener.close();
  }

  #accept(socket: Socket): void {
    socket.on('error', () => socket.destroy());
    const split = new EotFrames();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of split.push(chunk)) this.#onFrame(socket, frame);
    });
  }

  #onFrame(socket: Socket, frame: string): void {
    this.frames.push(frame);
    this.#frameWaiters = this.#frameWaiters.filter((waiter) => {
      if (!waiter.test(frame)) return true;
      waiter.resolve(frame);
      return false;
    });
    const word = frame.split(' ')[0] as keyof Script;
    const scripted = Object.hasOwn(this.#script, word)
      ? this.#script[word]!
      : Object.hasOwn(POLITE, word)
        ? POLITE[word]
        : ['status 100 Malformed Message'];
    const answer = typeof scripted === 'function' ? scripted(frame) : scripted;
    if (answer === null) return;
    if (answer === 'hang-up') {
      socket.destroy();
      return;
    }
    socket.write(eotBytes(answer));
    if (word === 'quit' && answer[0] === 'status 000 OK') socket.end();
  }
}

export interface Proc {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface ProcOptions extends Pick<SpawnOptions, 'uid' | 'gid'> {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  stdin?: string;
  /** Leaves stdin an open pipe for the test to write to (keystrokes into `script`). */
  openStdin?: boolean;
}

/** Starts a command with a small, known environment (no SUP_*, no CI, no NO_COLOR unless given). */
export function startProcess(file: string, args: readonly string[], t: Cleanup, options: ProcOptions = {}): Proc {
  assert.ok(existsSync(BUILT_CLI), `${BUILT_CLI} is missing: run \`npm run build\` first (npm test does)`);
  const cwd = options.cwd ?? tempDir(t);
  const child = spawn(file, args, {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, TERM: 'xterm', ...options.env },
    stdio: [options.stdin === undefined && options.openStdin !== true ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
  });
  if (options.stdin !== undefined) child.stdin!.end(options.stdin);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = once(child, 'close').then(([code, signal]) => ({
    code: code as number | null,
    signal: signal as NodeJS.Signals | null,
  }));
  t.after(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

const READY = /^sup server listening on 127\.0\.0\.1:(\d+)$/;

/** Resolves with the port once `sup server` prints its ready line; rejects if it exits first. */
export function readyPort(run: Proc): Promise<number> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const line = run.stderr().split('\n').find((l) => READY.test(l));
      if (line) {
        run.child.stderr!.off('data', check);
        resolve(Number(READY.exec(line)![1]));
      }
    };
    run.child.stderr!.on('data', check);
    void run.exited.then(({ code }) => reject(new Error(`sup exited with ${code} before it was ready: ${run.stderr()}`)));
  });
}

export function spawnSup(args: readonly string[], t: Cleanup, options: ProcOptions = {}): Proc {
  return startProcess(process.execPath, [BIN, ...args], t, options);
}

/**
 * bin/sup.js and the built CLI copied where any user can read them: a test that runs sup as
 * another user must not depend on where the checkout is (a home or `mktemp -d` directory
 * only its owner can enter). The bundle needs nothing else to run.
 */
export function worldReadableBin(t: Cleanup): string {
  const root = tempDir(t, 'sup-bin-');
  chmodSync(root, 0o755);
  cpSync(BIN, join(root, 'bin/sup.js'));
  cpSync(dirname(BUILT_CLI), join(root, 'dist/cli-bundle'), { recursive: true });
  return join(root, 'bin/sup.js');
}
