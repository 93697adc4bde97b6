import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { StoreError } from '../../src/bot/errors.js';
import { JsonFileStore, type StoreFileSystem } from '../../src/bot/store.js';

async function tempDir(t: TestContext): Promise<string> {
  const dir = await fsp.mkdtemp(join(tmpdir(), 'sup-store-'));
  t.after(() => fsp.rm(dir, { recursive: true, force: true }));
  return dir;
}

/** The real file system, with the next temp-file write cut off halfway (as a crash or full disk would). */
function failingFs(failure: 'write' | 'rename'): StoreFileSystem & { arm(): void; tempOpens: number } {
  let armed = false;
  const wrapper = {
    ...fsp,
    tempOpens: 0,
    arm: () => {
      armed = true;
    },
    open: (async (path: string, flags?: string, mode?: number) => {
      const handle = await fsp.open(path, flags, mode);
      if (!String(path).endsWith('.tmp')) return handle;
      wrapper.tempOpens++;
      if (!armed || failure !== 'write') return handle;
      armed = false;
      return Object.assign(Object.create(handle), {
        writeFile: async (text: string) => {
          await handle.writeFile(text.slice(0, Math.floor(text.length / 2)));
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        },
        sync: () => handle.sync(),
        close: () => handle.close(),
      });
    }) as typeof fsp.open,
    rename: (async (from: string, to: string) => {
      if (armed && failure === 'rename') {
        armed = false;
        throw Object.assign(new Error('EIO: i/o error'), { code: 'EIO' });
      }
      return fsp.rename(from, to);
    }) as typeof fsp.rename,
  };
  return wrapper;
}

describe('JsonFileStore', () => {
  test('when values are set, then a reopened store reads them back', async (t) => {
    const dir = await tempDir(t);
    const store = await JsonFileStore.open({ dir: join(dir, 'state'), name: 'relay' });
    await store.set('members', ['alice', 'bob']);
    await store.set('topic', 'hello');
    await store.delete('topic');
    const again = await JsonFileStore.open({ dir: join(dir, 'state'), name: 'relay' });
    assert.deepEqual(again.get('members'), ['alice', 'bob']);
    assert.equal(again.has('topic'), false);
    assert.deepEqual(again.keys(), ['members']);
    assert.deepEqual(JSON.parse(await fsp.readFile(join(dir, 'state', 'relay.json'), 'utf8')), { members: ['alice', 'bob'] });
  });

  for (const failure of ['write', 'rename'] as const) {
    test(`when a ${failure} fails halfway, then the previous file is intact, no temp file is left, and the next change saves everything`, async (t) => {
      const dir = await tempDir(t);
      const fs = failingFs(failure);
      const errors: StoreError[] = [];
      const store = await JsonFileStore.open({ dir, name: 'p', fs, onWriteError: (error) => errors.push(error) });
      await store.set('a', 1);
      const before = await fsp.readFile(join(dir, 'p.json'), 'utf8');
      fs.arm();
      await assert.rejects(store.set('b', 'x'.repeat(10_000)), { code: 'SUP_STORE_WRITE_FAILED' });
      assert.equal(errors.length, 1);
      assert.equal(await fsp.readFile(join(dir, 'p.json'), 'utf8'), before);
      assert.deepEqual(await fsp.readdir(dir), ['p.json']);
      await store.set('c', true);
      const saved = JSON.parse(await fsp.readFile(join(dir, 'p.json'), 'utf8'));
      assert.deepEqual(Object.keys(saved), ['a', 'b', 'c']);
    });
  }

  test('when a write has failed and nothing changed since, then flush retries it', async (t) => {
    const dir = await tempDir(t);
    const fs = failingFs('write');
    const store = await JsonFileStore.open({ dir, name: 'p', fs });
    fs.arm();
    await assert.rejects(store.set('a', 1), { code: 'SUP_STORE_WRITE_FAILED' });
    await store.flush();
    assert.deepEqual(JSON.parse(await fsp.readFile(join(dir, 'p.json'), 'utf8')), { a: 1 });
  });

  test('when many changes come at once, then they are coalesced and the file ends with the last state', async (t) => {
    const dir = await tempDir(t);
    const fs = failingFs('write');
    const store = await JsonFileStore.open({ dir, name: 'counter', fs });
    const writes = [];
    for (let i = 1; i <= 50; i++) writes.push(store.set('n', i));
    await Promise.all(writes);
    assert.deepEqual(JSON.parse(await fsp.readFile(join(dir, 'counter.json'), 'utf8')), { n: 50 });
    assert.ok(fs.tempOpens < 50, `expected coalesced writes, got ${fs.tempOpens}`);
  });

  test('when the file is not a JSON object, then opening fails with a clear error and the file is untouched', async (t) => {
    const dir = await tempDir(t);
    await fsp.writeFile(join(dir, 'p.json'), '{"half": ');
    await assert.rejects(JsonFileStore.open({ dir, name: 'p' }), (error: StoreError) => {
      assert.equal(error.code, 'SUP_STORE_CORRUPT');
      assert.match(error.message, /p\.json is not a JSON object.*fix or move the file/);
      return true;
    });
    await fsp.writeFile(join(dir, 'q.json'), '[1,2]');
    await assert.rejects(JsonFileStore.open({ dir, name: 'q' }), { code: 'SUP_STORE_CORRUPT' });
    assert.equal(await fsp.readFile(join(dir, 'p.json'), 'utf8'), '{"half": ');
  });

  test('when a crash left temp files behind, then opening removes them and keeps other files', async (t) => {
    const dir = await tempDir(t);
    await fsp.writeFile(join(dir, 'p.json.123.4.tmp'), '{"partial');
    await fsp.writeFile(join(dir, 'other.json.123.4.tmp'), '{}');
    await JsonFileStore.open({ dir, name: 'p' });
    assert.deepEqual((await fsp.readdir(dir)).sort(), ['other.json.123.4.tmp']);
  });

  test('when a value is read or stored, then the caller gets a copy; a non-JSON value is refused at once', async (t) => {
    const dir = await tempDir(t);
    const store = await JsonFileStore.open({ dir, name: 'p' });
    const members = ['alice'];
    await store.set('members', members);
    members.push('mallory');
    store.get<string[]>('members')?.push('eve');
    assert.deepEqual(store.get('members'), ['alice']);
    assert.throws(() => store.set('f', () => 1), { code: 'SUP_STORE_INVALID_VALUE' });
    assert.throws(() => store.set('n', 10n), { code: 'SUP_STORE_INVALID_VALUE' });
  });

  test('when the writing process is killed mid-write, then the file is always one whole version', async (t) => {
    const dir = await tempDir(t);
    const storeModule = fileURLToPath(new URL('../../src/bot/store.ts', import.meta.url));
    const script = `
      const { JsonFileStore } = await import(${JSON.stringify(storeModule)});
      const store = await JsonFileStore.open({ dir: ${JSON.stringify(dir)}, name: 'p' });
      for (let i = 0; ; i++) {
        await store.set('v', { i, pad: String(i % 10).repeat(200_000) });
        process.stdout.write(i + '\\n');
      }`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    t.after(() => child.kill('SIGKILL'));
    let lines = 0;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        lines += chunk.toString().split('\n').length - 1;
        if (lines >= 5) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((resolve) => child.once('exit', resolve));
    const saved = JSON.parse(await fsp.readFile(join(dir, 'p.json'), 'utf8'));
    assert.equal(saved.v.pad, String(saved.v.i % 10).repeat(200_000));
    assert.ok(saved.v.i >= 4);
  });
});
