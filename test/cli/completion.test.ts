import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, test } from 'node:test';
import { completionScript } from '../../src/cli/completion/script.js';
import { createProgram } from '../../src/cli/program.js';
import { closedPort, loggedIn, runSup, spawnSup, startProcess, startServer, supOnPath, tempDir, type Cleanup } from './harness.js';

const has = (shell: string): boolean => spawnSync(shell, ['-c', 'exit 0'], { stdio: 'ignore' }).status === 0;
const HAS_BASH = has('bash');
const HAS_FISH = has('fish');
const HAS_ZSH = has('zsh');

/** The script `sup completion <shell>` prints, from the built CLI, saved in a temp dir that also has `sup` on PATH. */
async function installed(shell: string, t: Cleanup): Promise<{ file: string; dir: string; path: string }> {
  const run = spawnSup(['completion', shell], t);
  assert.deepEqual(await run.exited, { code: 0, signal: null }, run.stderr());
  const dir = tempDir(t, 'sup-completion-');
  const file = join(dir, `sup.${shell}`);
  writeFileSync(file, run.stdout());
  return { file, dir, path: supOnPath(dir) };
}

/** What bash's completion function offers for the words typed so far (the last one is being completed). */
async function bashCompletes(file: string, path: string, words: readonly string[], t: Cleanup, cwd?: string): Promise<string[]> {
  const quoted = words.map((word) => `'${word}'`).join(' ');
  const script = `source '${file}'\nCOMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}\n_sup_complete\nprintf '%s\\n' "\${COMPREPLY[@]}"`;
  const run = startProcess('bash', ['--norc', '--noprofile', '-c', script], t, { env: { PATH: path }, cwd });
  assert.deepEqual(await run.exited, { code: 0, signal: null }, run.stderr());
  assert.equal(run.stderr(), '');
  return run.stdout().split('\n').filter((line) => line !== '').sort();
}

describe('sup completion', { timeout: 20_000 }, () => {
  test('when an unknown shell is asked for, then it exits 2 naming the choices', async (t) => {
    const result = await runSup(['completion', 'tcsh'], t);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /bash, zsh, fish/);
    assert.equal(result.stdout, '');
  });

  describe('bash', { skip: HAS_BASH ? false : 'bash is not installed' }, () => {
    test('when commands, options and option values are completed, then bash offers what the program defines', async (t) => {
      const { file, path } = await installed('bash', t);
      assert.deepEqual(await bashCompletes(file, path, ['sup', 'se'], t), ['send', 'server']);
      assert.deepEqual(await bashCompletes(file, path, ['sup', 'listen', '--f'], t), ['--from']);
      assert.deepEqual(await bashCompletes(file, path, ['sup', 'server', '--log-format', ''], t), ['json', 'text']);
      assert.deepEqual(await bashCompletes(file, path, ['sup', 'completion', ''], t), ['bash', 'fish', 'zsh']);
      assert.deepEqual(await bashCompletes(file, path, ['sup', 'help', 'comp'], t), ['completion']);
      // A flag's value is not an argument: the message words after <user> get nothing.
      assert.deepEqual(await bashCompletes(file, path, ['sup', 'send', '--timeout', '5', 'bob', ''], t), []);
    });

    test('when a user name is completed, then bash offers the users online on the server the line names', async (t) => {
      const { port } = await startServer(t);
      for (const name of ['alice', 'albert', 'bob']) await loggedIn(port, t, name);
      const { file, path } = await installed('bash', t);
      assert.deepEqual(await bashCompletes(file, path, ['sup', 'send', '-p', String(port), 'al'], t), ['albert', 'alice']);
      assert.deepEqual(await bashCompletes(file, path, ['sup', 'listen', '--port', String(port), '--from', ''], t), ['albert', 'alice', 'bob']);
    });

    test('when no server answers, then a user name completes to nothing, quietly', async (t) => {
      const { file, path } = await installed('bash', t);
      const port = await closedPort();
      assert.deepEqual(await bashCompletes(file, path, ['sup', 'status', '-p', String(port), 'x'], t), []);
    });

    test('when a config file is completed, then bash offers file names', async (t) => {
      const { file, dir, path } = await installed('bash', t);
      writeFileSync(join(dir, 'sup.config.json'), '{}');
      assert.deepEqual(await bashCompletes(file, path, ['sup', 'send', '-c', 'sup.con'], t, dir), ['sup.config.json']);
    });

    test('when a command is added to the program, then its completion appears without touching the generator', async (t) => {
      const program = createProgram({ stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), env: {}, shutdown: new AbortController().signal, cwd: '/' });
      program.command('frobnicate').option('--widget <kind>', 'which widget').argument('<user>');
      const dir = tempDir(t, 'sup-completion-');
      const file = join(dir, 'sup.bash');
      writeFileSync(file, completionScript(program, 'bash'));
      const path = supOnPath(dir);
      assert.deepEqual(await bashCompletes(file, path, ['sup', 'frob'], t), ['frobnicate']);
      assert.deepEqual(await bashCompletes(file, path, ['sup', 'frobnicate', '--w'], t), ['--widget']);
    });
  });

  describe('fish', { skip: HAS_FISH ? false : 'fish is not installed' }, () => {
    test('when fish completes a command line, then it offers commands, option values and online users', async (t) => {
      const { port } = await startServer(t);
      await loggedIn(port, t, 'alice');
      const { file, path } = await installed('fish', t);
      const completes = async (line: string): Promise<string[]> => {
        const run = startProcess('fish', ['--no-config', '-c', `source '${file}'; complete -C '${line}'`], t, { env: { PATH: path } });
        assert.deepEqual(await run.exited, { code: 0, signal: null }, run.stderr());
        assert.equal(run.stderr(), '');
        return run.stdout().split('\n').filter((entry) => entry !== '').map((entry) => entry.split('\t')[0]!).sort();
      };
      assert.deepEqual(await completes('sup se'), ['send', 'server']);
      assert.deepEqual(await completes('sup server --log-format '), ['json', 'text']);
      assert.deepEqual(await completes(`sup send -p ${port} `), ['alice']);
      assert.deepEqual(await completes(`sup send -p ${port} alice `), []);
    });
  });

  describe('zsh', { skip: HAS_ZSH ? false : 'zsh is not installed' }, () => {
    test('when the zsh script is sourced after compinit, then it parses and registers _sup for sup', async (t) => {
      const { file, dir, path } = await installed('zsh', t);
      const script = `autoload -U compinit; compinit -u -d '${join(dir, 'zcompdump')}'; source '${file}'; print -r -- $_comps[sup]`;
      const run = startProcess('zsh', ['-f', '-c', script], t, { env: { PATH: path } });
      assert.deepEqual(await run.exited, { code: 0, signal: null }, run.stderr());
      assert.equal(run.stdout(), '_sup\n');
    });
  });
});
