import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { runSup, tempDir } from '../cli/harness.js';

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The README's ```js blocks whose first line is `// <file>...`, by file name. */
function guideFiles(): Map<string, string> {
  const files = new Map<string, string>();
  for (const match of README.matchAll(/```js\n(\/\/ ([\w./-]+\.js)[^\n]*\n[^]*?)```/g)) files.set(match[2]!, match[1]!);
  return files;
}

describe("the README's plugin guide", { timeout: 300_000 }, () => {
  test('when its schedule, webhook and pattern examples are written to a folder outside the repository, then they load and its test passes', async (t) => {
    const files = guideFiles();
    const wanted = ['standup.js', 'deploy-hook.js', 'dice.js', 'test/standup.test.js'];
    for (const name of wanted) assert.ok(files.has(name), `the README has ${name}`);
    const dir = tempDir(t, 'sup-guide-');
    // As the guide says: .js plugins sit next to a package.json that makes them ES modules.
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
    for (const name of wanted) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), files.get(name)!);
    }
    const checked = await runSup(['bot', '--check', './standup.js', './deploy-hook.js', './dice.js'], t, { cwd: dir });
    assert.deepEqual(checked, { code: 0, stdout: 'ok: bot "sup-bot" with plugins standup, deploy-hook, dice\n', stderr: '' });
    // The dice examples (help text and replies) are tests too.
    writeFileSync(
      join(dir, 'test/dice.test.js'),
      "import { test } from 'node:test';\nimport { createTestBot } from 'sup/testing';\nimport dice from '../dice.js';\n" +
        "test('dice examples', async (t) => {\n  const bot = await createTestBot({ plugins: [dice] });\n  t.after(() => bot.close());\n  await bot.runExamples();\n});\n",
    );
    const tested = await runSup(['bot', 'test', 'test/standup.test.js', 'test/dice.test.js'], t, { cwd: dir });
    assert.equal(tested.code, 0, `${tested.stdout}\n${tested.stderr}`);
    assert.match(tested.stdout, /pass 3/);
  });
});
