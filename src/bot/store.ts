import * as fsPromises from 'node:fs/promises';
import { join } from 'node:path';
import { BotErrorCode, StoreError } from './errors.js';
import type { PluginStore } from './plugin.js';

/** The file operations the store uses, so tests can inject a failing disk. */
export interface StoreFileSystem {
  mkdir: typeof fsPromises.mkdir;
  open: typeof fsPromises.open;
  readFile: typeof fsPromises.readFile;
  readdir: typeof fsPromises.readdir;
  rename: typeof fsPromises.rename;
  unlink: typeof fsPromises.unlink;
}

export interface JsonFileStoreOptions {
  /** The state directory; created if missing. */
  dir: string;
  /** The plugin name; the file is `<dir>/<name>.json`. */
  name: string;
  /** Told about writes that failed, since a caller may not await `set`. */
  onWriteError?: (error: StoreError) => void;
  fs?: StoreFileSystem;
}

interface Waiter {
  version: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

// Matches temp files a crash left behind, and only this store's.
const tempPattern = (file: string): RegExp => new RegExp(`^${escapeRegExp(file)}\\.\\d+\\.\\d+\\.tmp$`);

/**
 * A plugin's key-value data as one JSON file. Reads come from memory; every change is written
 * whole to a temp file, fsynced, renamed over the old file, and the directory fsynced, so
 * after a crash the file is either the old or the new version, never half of one. Changes made
 * while a write is running are coalesced into the next write.
 */
export class JsonFileStore implements PluginStore {
  readonly file: string;
  readonly #dir: string;
  readonly #baseName: string;
  readonly #fs: StoreFileSystem;
  readonly #onWriteError: ((error: StoreError) => void) | undefined;
  readonly #data: Map<string, unknown>;
  #version = 0;
  #writtenVersion = 0;
  #writing: Promise<void> | undefined;
  #waiters: Waiter[] = [];
  #tempCounter = 0;

  private constructor(options: JsonFileStoreOptions, fs: StoreFileSystem, data: Map<string, unknown>) {
    this.#dir = options.dir;
    this.#baseName = `${options.name}.json`;
    this.file = join(options.dir, this.#baseName);
    this.#fs = fs;
    this.#onWriteError = options.onWriteError;
    this.#data = data;
  }

  /** Reads the store file (a missing file is an empty store); a corrupt one is an error, never reset. */
  static async open(options: JsonFileStoreOptions): Promise<JsonFileStore> {
    const fs = options.fs ?? fsPromises;
    const file = join(options.dir, `${options.name}.json`);
    try {
      await fs.mkdir(options.dir, { recursive: true });
    } catch (error) {
      throw new StoreError(
        BotErrorCode.StoreReadFailed,
        file,
        `cannot create the state directory ${options.dir}: ${(error as Error).message}; check the path and its permissions`,
        { cause: error },
      );
    }
    await removeStaleTemps(fs, options.dir, `${options.name}.json`);
    return new JsonFileStore(options, fs, await readData(fs, file));
  }

  get<T = unknown>(key: string): T | undefined {
    const value = this.#data.get(key);
    return value === undefined ? undefined : (structuredClone(value) as T);
  }

  has(key: string): boolean {
    return this.#data.has(key);
  }

  keys(): string[] {
    return [...this.#data.keys()];
  }

  /** Throws a `StoreError` at once if the value is not JSON; resolves once the change is on disk. */
  set(key: string, value: unknown): Promise<void> {
    let copy: unknown;
    try {
      const text = JSON.stringify(value);
      if (text === undefined) throw new TypeError(`${typeof value} has no JSON form`);
      copy = JSON.parse(text);
    } catch (error) {
      throw new StoreError(
        BotErrorCode.StoreInvalidValue,
        this.file,
        `cannot store ${JSON.stringify(key)}: the value must be JSON (objects, arrays, strings, numbers, booleans, null)`,
        { cause: error },
      );
    }
    this.#data.set(key, copy);
    return this.#changed();
  }

  delete(key: string): Promise<void> {
    if (!this.#data.delete(key)) return Promise.resolve();
    return this.#changed();
  }

  /** Resolves once every change made so far is on disk (rejects if the last write failed). */
  flush(): Promise<void> {
    if (this.#writtenVersion >= this.#version) return Promise.resolve();
    const done = this.#waitFor(this.#version);
    // After a failed write nothing is running: flushing retries it.
    this.#writing ??= this.#writeLoop();
    return done;
  }

  #changed(): Promise<void> {
    this.#version++;
    const done = this.#waitFor(this.#version);
    // Awaiting is optional for plugins; failures also go to onWriteError.
    done.catch(() => {});
    this.#writing ??= this.#writeLoop();
    return done;
  }

  #waitFor(version: number): Promise<void> {
    return new Promise((resolve, reject) => this.#waiters.push({ version, resolve, reject }));
  }

  async #writeLoop(): Promise<void> {
    while (this.#writtenVersion < this.#version) {
      const version = this.#version;
      const text = `${JSON.stringify(Object.fromEntries(this.#data), null, 2)}\n`;
      try {
        await this.#writeAtomically(text);
        this.#writtenVersion = version;
        this.#settle(version, undefined);
      } catch (cause) {
        const error = new StoreError(
          BotErrorCode.StoreWriteFailed,
          this.file,
          `cannot save ${this.file}: ${(cause as Error).message}; the previous version is kept, check free space and permissions`,
          { cause },
        );
        // Changes made during the failed write are not on disk either.
        this.#settle(this.#version, error);
        this.#onWriteError?.(error);
        // The next change retries with everything, so nothing is lost while the process lives.
        break;
      }
    }
    this.#writing = undefined;
  }

  #settle(version: number, error: StoreError | undefined): void {
    const remaining: Waiter[] = [];
    for (const waiter of this.#waiters) {
      if (waiter.version > version) remaining.push(waiter);
      else if (error === undefined) waiter.resolve();
      else waiter.reject(error);
    }
    this.#waiters = remaining;
  }

  async #writeAtomically(text: string): Promise<void> {
    const temp = join(this.#dir, `${this.#baseName}.${process.pid}.${++this.#tempCounter}.tmp`);
    try {
      const handle = await this.#fs.open(temp, 'w', 0o600);
      try {
        await handle.writeFile(text, 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      await this.#fs.rename(temp, this.file);
    } catch (error) {
      await this.#fs.unlink(temp).catch(() => {});
      throw error;
    }
    await syncDirectory(this.#fs, this.#dir);
  }
}

async function readData(fs: StoreFileSystem, file: string): Promise<Map<string, unknown>> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return new Map();
    throw new StoreError(
      BotErrorCode.StoreReadFailed,
      file,
      `cannot read ${file}: ${(error as Error).message}; check its permissions`,
      { cause: error },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw corrupt(file, error);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw corrupt(file, undefined);
  return new Map(Object.entries(parsed));
}

function corrupt(file: string, cause: unknown): StoreError {
  return new StoreError(
    BotErrorCode.StoreCorrupt,
    file,
    `${file} is not a JSON object, so the plugin's saved data cannot be read; fix or move the file and start again`,
    { cause },
  );
}

async function removeStaleTemps(fs: StoreFileSystem, dir: string, baseName: string): Promise<void> {
  const pattern = tempPattern(baseName);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (pattern.test(name)) await fs.unlink(join(dir, name)).catch(() => {});
  }
}

async function syncDirectory(fs: StoreFileSystem, dir: string): Promise<void> {
  let handle: fsPromises.FileHandle | undefined;
  try {
    handle = await fs.open(dir, 'r');
    await handle.sync();
  } catch (error) {
    // Some platforms cannot open or fsync a directory; the rename itself is still atomic there.
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EACCES') throw error;
  } finally {
    await handle?.close();
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
