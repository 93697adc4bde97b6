import assert from 'node:assert/strict';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { PluginLoadError } from '../../src/bot/errors.js';
import { loadPlugins, preparePlugin } from '../../src/bot/loader.js';

const pluginModuleUrl = pathToFileURL(join(import.meta.dirname, '../../src/bot/plugin.ts')).href;

async function project(t: TestContext, files: Record<string, string>): Promise<string> {
  const dir = await fsp.mkdtemp(join(tmpdir(), 'sup-loader-'));
  t.after(() => fsp.rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) {
    await fsp.mkdir(dirname(join(dir, name)), { recursive: true });
    await fsp.writeFile(join(dir, name), text);
  }
  return dir;
}

const plain = (name: string): string => `export default { name: ${JSON.stringify(name)}, setup() {} };\n`;

function loadError(check: (error: PluginLoadError) => void): (error: unknown) => boolean {
  return (error) => {
    check(error as PluginLoadError);
    return true;
  };
}

describe('loadPlugins', () => {
  test('when modules are given by relative path, then they load in order with validated options', async (t) => {
    const cwd = await project(t, {
      'bots/greeter.mjs': `
        import { definePlugin } from ${JSON.stringify(pluginModuleUrl)};
        export default definePlugin({
          name: 'greeter',
          options(raw) {
            if (typeof raw?.greeting !== 'string') throw new Error('"greeting" must be a string');
            return { greeting: raw.greeting };
          },
          setup() {},
        });`,
      'plain.js': plain('plain'),
    });
    const loaded = await loadPlugins(
      [{ module: './bots/greeter.mjs', options: { greeting: 'hey' } }, { module: 'plain.js' }],
      { cwd },
    );
    assert.deepEqual(
      loaded.map((l) => [l.plugin.name, l.options, l.module]),
      [
        ['greeter', { greeting: 'hey' }, './bots/greeter.mjs'],
        ['plain', undefined, 'plain.js'],
      ],
    );
  });

  test('when a bare package name is given, then it resolves from cwd through its exports "import" condition', async (t) => {
    const cwd = await project(t, {
      'node_modules/@acme/sup-weather/package.json': JSON.stringify({
        name: '@acme/sup-weather',
        type: 'module',
        exports: { '.': { import: './esm/index.js', require: './cjs/missing.cjs' } },
      }),
      'node_modules/@acme/sup-weather/esm/index.js': plain('weather'),
    });
    const [loaded] = await loadPlugins([{ module: '@acme/sup-weather' }], { cwd });
    assert.equal(loaded?.plugin.name, 'weather');
  });

  test('when the file does not exist, then the error names the module and says what to do', async (t) => {
    const cwd = await project(t, {});
    await assert.rejects(
      loadPlugins([{ module: './bots/nope.js' }], { cwd }),
      loadError((error) => {
        assert.equal(error.code, 'SUP_PLUGIN_NOT_FOUND');
        assert.equal(error.module, './bots/nope.js');
        assert.match(error.message, /"\.\/bots\/nope\.js".*does not exist/);
      }),
    );
    await assert.rejects(
      loadPlugins([{ module: 'sup-plugin-missing' }], { cwd }),
      loadError((error) => {
        assert.equal(error.code, 'SUP_PLUGIN_NOT_FOUND');
        assert.match(error.message, /cannot find plugin module "sup-plugin-missing".*npm install sup-plugin-missing/);
      }),
    );
  });

  test('when the module throws on import, then the error names it and keeps the cause', async (t) => {
    const cwd = await project(t, { 'broken.mjs': 'export default {\n  name: "x",\n  setup() {\n' });
    await assert.rejects(
      loadPlugins([{ module: './broken.mjs' }], { cwd }),
      loadError((error) => {
        assert.equal(error.code, 'SUP_PLUGIN_IMPORT_FAILED');
        assert.match(error.message, /^cannot load plugin module "\.\/broken\.mjs" \(.*broken\.mjs\): .+; fix the module/);
        assert.ok(error.cause instanceof SyntaxError);
      }),
    );
  });

  test('when there is no default export, then the error says how to export the plugin', async (t) => {
    const cwd = await project(t, { 'named.mjs': 'export const plugin = { name: "x", setup() {} };\n' });
    await assert.rejects(
      loadPlugins([{ module: './named.mjs' }], { cwd }),
      loadError((error) => {
        assert.equal(error.code, 'SUP_PLUGIN_INVALID_SHAPE');
        assert.match(error.message, /"\.\/named\.mjs" has no default export: end it with "export default definePlugin/);
      }),
    );
  });

  test('when the default export is not a plugin, then the error names the module and the missing part', async (t) => {
    const cwd = await project(t, {
      'nosetup.mjs': 'export default { name: "half" };\n',
      'badname.mjs': 'export default { name: "has space", setup() {} };\n',
      'fn.mjs': 'export default function setup() {}\n',
    });
    const cases: Array<[string, RegExp]> = [
      ['./nosetup.mjs', /"\.\/nosetup\.mjs" does not export a usable plugin: plugin "half" has no setup function/],
      ['./badname.mjs', /"has space" is not usable/],
      ['./fn.mjs', /expected a plugin object made with definePlugin.*got a function/],
    ];
    for (const [module, message] of cases) {
      await assert.rejects(
        loadPlugins([{ module }], { cwd }),
        loadError((error) => {
          assert.equal(error.code, 'SUP_PLUGIN_INVALID_SHAPE');
          assert.match(error.message, message);
        }),
      );
    }
  });

  test('when the options validator throws, then the error names the plugin, the module and the reason', async (t) => {
    const cwd = await project(t, {
      'strict.mjs': `export default { name: 'strict', options(raw) { if (!raw?.room) throw new Error('"room" is required'); return raw; }, setup() {} };`,
      'plain.mjs': plain('plain'),
    });
    await assert.rejects(
      loadPlugins([{ module: './strict.mjs', options: {} }], { cwd }),
      loadError((error) => {
        assert.equal(error.code, 'SUP_PLUGIN_INVALID_OPTIONS');
        assert.equal(error.plugin, 'strict');
        assert.equal(error.message, 'invalid options for plugin "strict" (./strict.mjs): "room" is required; fix them in its configuration');
      }),
    );
    await assert.rejects(
      loadPlugins([{ module: './plain.mjs', options: { x: 1 } }], { cwd }),
      loadError((error) => {
        assert.equal(error.code, 'SUP_PLUGIN_INVALID_OPTIONS');
        assert.match(error.message, /plugin "plain" \(\.\/plain\.mjs\) takes no options/);
      }),
    );
  });

  test('when two modules carry the same plugin name, then loading fails naming both', async (t) => {
    const cwd = await project(t, { 'a.mjs': plain('same'), 'b.mjs': plain('same') });
    await assert.rejects(
      loadPlugins([{ module: './a.mjs' }, { module: './b.mjs' }], { cwd }),
      loadError((error) => {
        assert.equal(error.code, 'SUP_PLUGIN_DUPLICATE_NAME');
        assert.match(error.message, /"\.\/a\.mjs" and "\.\/b\.mjs" are both named "same"/);
      }),
    );
  });

  test('when a module fails, then the modules after it are never imported', async (t) => {
    const cwd = await project(t, {
      'bad.mjs': 'export default 42;\n',
      'after.mjs': `import { writeFileSync } from 'node:fs'; writeFileSync(new URL('./imported', import.meta.url), ''); ${plain('after')}`,
    });
    await assert.rejects(loadPlugins([{ module: './bad.mjs' }, { module: './after.mjs' }], { cwd }), {
      code: 'SUP_PLUGIN_INVALID_SHAPE',
    });
    await assert.rejects(fsp.access(join(cwd, 'imported')));
  });
});

describe('preparePlugin', () => {
  test('when a plugin object is handed in, then it is checked and its options validated like a module', () => {
    const plugin = { name: 'inline', options: (raw: unknown) => ({ n: Number(raw) }), setup() {} };
    assert.deepEqual(preparePlugin(plugin, '3').options, { n: 3 });
    assert.throws(() => preparePlugin({ name: 'x' }, undefined), { code: 'SUP_PLUGIN_INVALID_SHAPE' });
  });
});
