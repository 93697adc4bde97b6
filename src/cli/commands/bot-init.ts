import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pluginShapeProblem } from '../../bot/plugin.js';
import { CliError } from '../cli-error.js';
import { ExitCode } from '../exit-codes.js';
import { writeLine, type CliIo } from '../io.js';

/** Writes `<name>.mjs` and `<name>.test.mjs` into the working directory; never overwrites. */
export async function runBotInit(name: string, io: CliIo): Promise<void> {
  const problem = pluginShapeProblem({ name, setup: () => {} });
  if (problem !== undefined) throw new CliError(ExitCode.Usage, `sup bot init: ${problem.replace(/^the plugin name/, 'the name')}`);
  // .mjs: an ES module on every Node 20, with no package.json needed beside it.
  const plugin = `${name}.mjs`;
  const test = `${name}.test.mjs`;
  // 'wx' fails if the file exists: an existing plugin is never overwritten.
  for (const [file, text] of [
    [plugin, pluginSource(name)],
    [test, testSource(name)],
  ] as const) {
    try {
      await writeFile(join(io.cwd, file), text, { flag: 'wx' });
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const reason = code === 'EEXIST' ? 'it already exists; pick another name or move it away' : `${(error as Error).message}`;
      throw new CliError(ExitCode.Usage, `sup bot init: cannot write ${join(io.cwd, file)}: ${reason}`, { cause: error });
    }
  }
  writeLine(io.stdout, `Wrote ${plugin} (the plugin) and ${test} (its test).`);
  writeLine(io.stdout, `Run it:   sup bot ./${plugin} --embedded-server --user ${name}`);
  writeLine(io.stdout, `          then, in another terminal: sup send ${name} 'hello' --reply`);
  writeLine(io.stdout, `Test it:  sup bot test ${test}`);
}

function pluginSource(name: string): string {
  return `// ${name}: a sup bot plugin. Run it: sup bot ./${name}.mjs --embedded-server --user ${name}
import { definePlugin } from 'sup';

export default definePlugin({
  name: '${name}',
  setup(ctx) {
    ctx.command({
      name: 'hello',
      summary: 'Say hello',
      usage: '[name]',
      // Shown by "help hello", and run as tests by the test kit.
      examples: [
        { send: 'hello', reply: 'Hello, alice!' },
        { send: 'hello bob', reply: 'Hello, bob!' },
      ],
      run: ({ from, argv }) => \`Hello, \${argv[0] ?? from}!\`,
    });
  },
});
`;
}

function testSource(name: string): string {
  return `// Tests for ${name}.mjs. Run them: sup bot test ${name}.test.mjs
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestBot } from 'sup/testing';
import plugin from './${name}.mjs';

test('hello greets the sender by name', async (t) => {
  const bot = await createTestBot({ plugins: [plugin] });
  t.after(() => bot.close());
  assert.deepEqual(await bot.user('carol').ask('hello'), ['Hello, carol!']);
});

test('every example in the commands holds', async (t) => {
  const bot = await createTestBot({ plugins: [plugin] });
  t.after(() => bot.close());
  await bot.runExamples();
});
`;
}
