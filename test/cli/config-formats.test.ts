import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { ScriptedServer, spawnSup, tempDir } from './harness.js';

/*
 * Each JS and TS config format loaded by the built CLI as a real process: the bundle's ESM
 * build once broke cosmiconfig's CommonJS fallback, turning every error into
 * "__filename is not defined".
 */
const formats = [
  { name: 'sup.config.mjs', found: true, body: (port: number) => `const port = ${port};\nexport default { port, user: 'u1' };\n` },
  { name: 'sup.config.js', found: true, body: (port: number) => `const port = ${port};\nmodule.exports = { port, user: 'u1' };\n` },
  { name: 'sup.config.cjs', found: true, body: (port: number) => `const port = ${port};\nmodule.exports = { port, user: 'u1' };\n` },
  { name: 'sup.config.ts', found: false, body: (port: number) => `const port: number = ${port};\nexport default { port, user: 'u1' };\n` },
] as const;

/** The flags that make sup read `name`: none for a searched name, --config for the rest. */
function configFlags(format: (typeof formats)[number]): string[] {
  return format.found ? [] : ['-c', format.name];
}

describe('JS and TS config files, read by the built CLI', { timeout: 20_000 }, () => {
  for (const format of formats) {
    test(`when ${format.name} is valid, then its settings are used`, async (t) => {
      const server = await ScriptedServer.start(t);
      const cwd = tempDir(t);
      writeFileSync(join(cwd, format.name), format.body(server.port));
      const run = spawnSup(['send', 'bob', 'hi', ...configFlags(format)], t, { cwd });
      assert.deepEqual(await run.exited, { code: 0, signal: null }, run.stderr());
      assert.equal(await server.frame(/^login /), 'login u1');
    });

    test(`when ${format.name} throws, then it exits 2 with the file, the line and the real message`, async (t) => {
      const cwd = tempDir(t);
      const file = join(cwd, format.name);
      writeFileSync(file, `const a = 1;\n\nthrow new Error("no config for you");\n`);
      const run = spawnSup(['status', 'bob', ...configFlags(format)], t, { cwd });
      assert.deepEqual(await run.exited, { code: 2, signal: null });
      assert.equal(run.stderr(), `sup: cannot read config ${file}: line 3: no config for you; fix or remove the file\n`);
    });

    test(`when ${format.name} has a syntax error, then it exits 2 with the file, the line and the parser's message`, async (t) => {
      const cwd = tempDir(t);
      const file = join(cwd, format.name);
      writeFileSync(file, `const a = 1;\nconst b = {port: 1,;\n`);
      const run = spawnSup(['status', 'bob', ...configFlags(format)], t, { cwd });
      assert.deepEqual(await run.exited, { code: 2, signal: null });
      assert.match(run.stderr(), /^sup: cannot read config \S+: line 2: [^\n]+; fix or remove the file\n$/);
      assert.ok(run.stderr().includes(file), run.stderr());
      assert.doesNotMatch(run.stderr(), /__filename/);
    });

    test(`when ${format.name} uses something undefined, then the error's kind shows too`, async (t) => {
      const cwd = tempDir(t);
      const file = join(cwd, format.name);
      writeFileSync(file, `noSuchThing();\n`);
      const run = spawnSup(['status', 'bob', ...configFlags(format)], t, { cwd });
      assert.deepEqual(await run.exited, { code: 2, signal: null });
      assert.equal(run.stderr(), `sup: cannot read config ${file}: line 1: ReferenceError: noSuchThing is not defined; fix or remove the file\n`);
    });
  }
});
