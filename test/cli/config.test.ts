import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../../src/cli/config.js';
import { runSup, ScriptedServer, tempDir, type Cleanup } from './harness.js';

const EXAMPLE = fileURLToPath(new URL('../../sup.config.example.json', import.meta.url));

function write(dir: string, name: string, text: string): string {
  const file = join(dir, name);
  mkdirSync(join(file, '..'), { recursive: true });
  writeFileSync(file, text);
  return file;
}

/** The name the CLI logged in with on `server`, or undefined when it never connected there. */
function loginOn(server: ScriptedServer): string | undefined {
  return server.frames.find((frame) => frame.startsWith('login '))?.slice('login '.length);
}

async function servers(t: Cleanup, count: number): Promise<ScriptedServer[]> {
  return Promise.all(Array.from({ length: count }, () => ScriptedServer.start(t)));
}

describe('settings precedence', { timeout: 10_000 }, () => {
  test('when only the config file gives port and user, then they are used', async (t) => {
    const [fromConfig] = await servers(t, 1);
    const cwd = tempDir(t);
    write(cwd, 'sup.config.json', JSON.stringify({ port: fromConfig!.port, user: 'from-config' }));
    const result = await runSup(['send', 'bob', 'hi'], t, { cwd });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(loginOn(fromConfig!), 'from-config');
  });

  test('when SUP_PORT and SUP_USER are set, then they beat the config file', async (t) => {
    const [fromConfig, fromEnv] = await servers(t, 2);
    const cwd = tempDir(t);
    write(cwd, 'sup.config.json', JSON.stringify({ port: fromConfig!.port, user: 'from-config' }));
    const env = { SUP_PORT: String(fromEnv!.port), SUP_USER: 'from-env' };
    const result = await runSup(['send', 'bob', 'hi'], t, { cwd, env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(loginOn(fromEnv!), 'from-env');
    assert.equal(fromConfig!.frames.length, 0);
  });

  test('when flags are given, then they beat the environment and the config file', async (t) => {
    const [fromConfig, fromEnv, fromFlag] = await servers(t, 3);
    const cwd = tempDir(t);
    write(cwd, 'sup.config.json', JSON.stringify({ port: fromConfig!.port, user: 'from-config' }));
    const env = { SUP_PORT: String(fromEnv!.port), SUP_USER: 'from-env' };
    const result = await runSup(['send', 'bob', 'hi', '-p', String(fromFlag!.port), '-u', 'from-flag'], t, { cwd, env });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(loginOn(fromFlag!), 'from-flag');
    assert.equal(fromConfig!.frames.length + fromEnv!.frames.length, 0);
  });

  test('when the host comes from config, env and flag, then the flag wins, then the env', async (t) => {
    // Nothing listens on 127.0.0.2, so a wrong pick shows as a refused connection naming it.
    const [server] = await servers(t, 1);
    const cwd = tempDir(t);
    write(cwd, 'sup.config.json', JSON.stringify({ host: '127.0.0.2', port: server!.port, user: 'alice' }));
    const configOnly = await runSup(['status', 'bob'], t, { cwd });
    assert.equal(configOnly.code, 3);
    assert.match(configOnly.stderr, /cannot connect to 127\.0\.0\.2:/);
    assert.equal((await runSup(['status', 'bob'], t, { cwd, env: { SUP_HOST: '127.0.0.1' } })).code, 1);
    assert.equal((await runSup(['status', 'bob', '-H', '127.0.0.1'], t, { cwd, env: { SUP_HOST: '127.0.0.2' } })).code, 1);
  });

  test('when no host is given anywhere, then it connects to 127.0.0.1', async (t) => {
    const [server] = await servers(t, 1);
    assert.equal((await runSup(['status', 'bob', '-p', String(server!.port)], t)).code, 1);
    assert.equal(server!.accepted, 1);
  });

  test('when the config sets a timeout, then it applies unless --timeout is given', { timeout: 5_000 }, async (t) => {
    const silent = await ScriptedServer.start(t, { login: null });
    const cwd = tempDir(t);
    write(cwd, 'sup.config.json', JSON.stringify({ port: silent.port, timeout: 200 }));
    const fromConfig = await runSup(['status', 'bob'], t, { cwd });
    assert.equal(fromConfig.code, 3);
    assert.match(fromConfig.stderr, /timed out after 200 ms/);
    const fromFlag = await runSup(['status', 'bob', '--timeout', '250'], t, { cwd });
    assert.match(fromFlag.stderr, /timed out after 250 ms/);
  });

  test('when SUP_CONFIG names a file, then it is used instead of the one found; --config beats SUP_CONFIG', async (t) => {
    const [found, named, flagged] = await servers(t, 3);
    const cwd = tempDir(t);
    write(cwd, 'sup.config.json', JSON.stringify({ port: found!.port, user: 'found' }));
    write(cwd, 'conf/named.json', JSON.stringify({ port: named!.port, user: 'named' }));
    write(cwd, 'conf/flagged.yaml', `port: ${flagged!.port}\nuser: flagged\n`);
    const env = { SUP_CONFIG: 'conf/named.json' };
    assert.equal((await runSup(['send', 'bob', 'hi'], t, { cwd, env })).code, 0);
    assert.equal(loginOn(named!), 'named');
    assert.equal((await runSup(['send', 'bob', 'hi', '-c', 'conf/flagged.yaml'], t, { cwd, env })).code, 0);
    assert.equal(loginOn(flagged!), 'flagged');
    assert.equal(found!.frames.length, 0);
  });
});

describe('config file search', { timeout: 10_000 }, () => {
  const kinds: Array<[name: string, content: (port: number) => string]> = [
    ['sup.config.json', (port) => JSON.stringify({ port, user: 'u1' })],
    ['.suprc', (port) => JSON.stringify({ port, user: 'u1' })],
    ['.suprc', (port) => `# YAML works too\nport: ${port}\nuser: u1\n`],
    ['.suprc.json', (port) => JSON.stringify({ port, user: 'u1' })],
    ['.suprc.yaml', (port) => `port: ${port}\nuser: u1\n`],
    ['.suprc.yml', (port) => `port: ${port}\nuser: u1\n`],
    ['sup.config.mjs', (port) => `export default { port: ${port}, user: 'u1' };\n`],
    ['sup.config.js', (port) => `module.exports = { port: ${port}, user: 'u1' };\n`],
    ['sup.config.cjs', (port) => `module.exports = { port: ${port}, user: 'u1' };\n`],
    ['package.json', (port) => JSON.stringify({ name: 'app', sup: { port, user: 'u1' } })],
  ];
  for (const [name, content] of kinds) {
    test(`when the directory holds ${name} (${content(1).startsWith('#') ? 'YAML' : content(1).slice(0, 12)}), then it is read`, async (t) => {
      const server = await ScriptedServer.start(t);
      const cwd = tempDir(t);
      write(cwd, name, content(server.port));
      const result = await runSup(['send', 'bob', 'hi'], t, { cwd });
      assert.equal(result.code, 0, result.stderr);
      assert.equal(loginOn(server), 'u1');
    });
  }

  test('when the config is in a parent directory, then it is found from a subdirectory', async (t) => {
    const server = await ScriptedServer.start(t);
    const root = tempDir(t);
    write(root, '.suprc.json', JSON.stringify({ port: server.port, user: 'up-there' }));
    mkdirSync(join(root, 'a/b/c'), { recursive: true });
    assert.equal((await runSup(['send', 'bob', 'hi'], t, { cwd: join(root, 'a/b/c') })).code, 0);
    assert.equal(loginOn(server), 'up-there');
  });

  test('when two directories on the way up hold a config, then the nearest wins and they are not merged', async (t) => {
    const [far, near] = await servers(t, 2);
    const root = tempDir(t);
    write(root, 'sup.config.json', JSON.stringify({ port: far!.port, user: 'far' }));
    write(root, 'sub/sup.config.json', JSON.stringify({ port: near!.port }));
    const result = await runSup(['status', 'bob', '--json'], t, { cwd: join(root, 'sub') });
    assert.equal(result.code, 1);
    assert.equal(far!.accepted, 0);
    assert.match(near!.frames[0]!, /^login sup-/);
  });

  test('when a package.json has no "sup" key, then the search goes on upward', async (t) => {
    const server = await ScriptedServer.start(t);
    const root = tempDir(t);
    write(root, '.suprc', `port: ${server.port}\nuser: parent\n`);
    write(root, 'app/package.json', JSON.stringify({ name: 'app' }));
    assert.equal((await runSup(['send', 'bob', 'hi'], t, { cwd: join(root, 'app') })).code, 0);
    assert.equal(loginOn(server), 'parent');
  });

  test('when an empty config file is nearer than another, then it is an error, not skipped for the one above', async (t) => {
    const [far] = await servers(t, 1);
    const root = tempDir(t);
    write(root, 'sup.config.json', JSON.stringify({ port: far!.port }));
    write(root, 'sub/sup.config.json', '');
    const result = await runSup(['status', 'bob'], t, { cwd: join(root, 'sub') });
    assert.equal(result.code, 2);
    assert.ok(result.stderr.includes(join(root, 'sub/sup.config.json')), result.stderr);
    assert.equal(far!.accepted, 0);
  });

  test('when the example config is loaded, then every key in it passes the check', async (t) => {
    const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as Record<string, unknown>;
    for (const key of ['host', 'port', 'user', 'timeout', 'server', 'bot']) assert.ok(key in example, `shows "${key}"`);
    const loaded = await loadConfig(EXAMPLE, tempDir(t));
    assert.equal(loaded.file, EXAMPLE);
    assert.deepEqual(loaded.config, example);
  });

  test('when the example config runs bots, then echo and relay are separate bots, so a message gets one answer', () => {
    const example = JSON.parse(readFileSync(EXAMPLE, 'utf8')) as { bot: unknown };
    assert.ok(Array.isArray(example.bot), 'one entry per bot');
    const bots = example.bot as Array<{ username: string; plugins: Array<string | { module: string }> }>;
    const modules = bots.map((bot) => bot.plugins.map((plugin) => (typeof plugin === 'string' ? plugin : plugin.module)));
    assert.deepEqual(modules, [['./bots/echo.js'], ['./bots/relay.js']]);
    assert.notEqual(bots[0]!.username, bots[1]!.username);
  });

  test('when the example config is given with --config, then its user logs in', async (t) => {
    const server = await ScriptedServer.start(t);
    const result = await runSup(['send', 'bob', 'hi', '-c', EXAMPLE, '-p', String(server.port)], t);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(loginOn(server), 'alice');
  });
});

describe('config errors', { timeout: 10_000 }, () => {
  const broken: Array<[what: string, name: string, content: string, pattern: RegExp]> = [
    ['bad JSON', 'sup.config.json', '{"port": 7877,}', /^sup: cannot read config \S+\/sup\.config\.json: [^\n]*JSON at position 14( \(line 1 column 15\))?; fix or remove the file\n$/],
    ['bad YAML', '.suprc.yaml', 'port: [7877\n', /^sup: cannot read config \S+\/\.suprc\.yaml: unexpected end of the stream[^\n]*; fix or remove the file\n$/],
    ['an unknown key', 'sup.config.json', '{"hots": "x"}', /^sup: config \S+\/sup\.config\.json: unknown key "hots" \(known keys: [^\n]*host[^\n]*\)\n$/],
    ['an unknown nested key', '.suprc', '{"server": {"prot": 1}}', /^sup: config \S+\/\.suprc: unknown key "server\.prot"/],
    ['a port given as a string', '.suprc.json', '{"port": "7877"}', /^sup: config \S+\/\.suprc\.json: "port" must be a whole number from 1 to 65535, got "7877"\n$/],
    ['port 0 for the client', '.suprc.json', '{"port": 0}', /"port" must be a whole number from 1 to 65535, got 0/],
    ['a deep wrong type', 'sup.config.json', '{"bot": {"limits": {"rate": {"burst": "x"}}}}', /"bot\.limits\.rate\.burst" must be a whole number/],
    // The runtime's own bounds, so a value it would refuse later is refused here, with the file.
    ['a shutdown timeout of 0', 'sup.config.json', '{"bot": {"limits": {"shutdownTimeoutMs": 0}}}', /"bot\.limits\.shutdownTimeoutMs" must be a whole number from 1 to 2147483647, got 0/],
    ['a handler timeout past the timer limit', 'sup.config.json', '{"bot": {"limits": {"handlerTimeoutMs": 3000000000}}}', /"bot\.limits\.handlerTimeoutMs" must be a whole number from 1 to 2147483647/],
    ['an admin that is no username', 'sup.config.json', '{"bot": {"admins": ["two words"]}}', /"bot\.admins\[0\]" must be a username, got "two words": /],
    ['a reserved name that is no username', 'sup.config.json', '{"server": {"reserve": ["relay", "bad!"]}}', /"server\.reserve\[1\]" must be a username, got "bad!": /],
    ['a fallback that is not a boolean', 'sup.config.json', '{"bot": {"fallback": "no"}}', /"bot\.fallback" must be true or false, got "no"/],
    ['an http listener without a port', 'sup.config.json', '{"bot": {"http": {"host": "127.0.0.1"}}}', /"bot\.http\.port" is required/],
    ['an http port out of range', 'sup.config.json', '{"bot": {"http": {"port": 70000}}}', /"bot\.http\.port" must be a whole number from 0 to 65535, got 70000/],
    ['a server option out of the server\'s range', '.suprc.json', '{"server": {"maxFrameBytes": 10}}', /"server\.maxFrameBytes" must be a whole number of at least 64, got 10/],
    ['an invalid user', 'sup.config.json', '{"user": "two words"}', /^sup: invalid username "two words" \(from "user" in \S+\/sup\.config\.json\)/],
    ['an array for the config', 'sup.config.json', '[1, 2]', /^sup: config \S+: the config must be an object/],
    ['a module that throws', 'sup.config.mjs', 'const x = 1;\nthrow new Error("no config for you");\n', /^sup: cannot read config \S+\/sup\.config\.mjs: line 2: no config for you; fix or remove the file\n$/],
    ['an empty file', 'sup.config.json', '', /^sup: config \S+\/sup\.config\.json is empty: write \{\} for no settings, or remove the file\n$/],
    ['an empty YAML file', '.suprc', '  \n', /^sup: config \S+\/\.suprc is empty/],
    ['a module without a default export', 'sup.config.mjs', 'export const port = 1;\n', /^sup: config \S+\/sup\.config\.mjs has no default export: export default/],
  ];
  for (const [what, name, content, pattern] of broken) {
    test(`when the found config has ${what}, then it exits 2 naming the file and the problem, without connecting`, async (t) => {
      const server = await ScriptedServer.start(t);
      const cwd = tempDir(t);
      write(cwd, name, content);
      const result = await runSup(['status', 'bob', '-p', String(server.port)], t, { cwd });
      assert.equal(result.code, 2);
      assert.match(result.stderr, pattern);
      assert.ok(result.stderr.includes(join(cwd, name)), `names ${join(cwd, name)}: ${result.stderr}`);
      assert.equal(result.stderr.split('\n').length, 2, 'one line');
      assert.equal(await server.acceptedBeforeProbe(), 0);
    });
  }

  test('when --config names a file that does not exist, then it exits 2 naming the path and the flag', async (t) => {
    const cwd = tempDir(t);
    const result = await runSup(['status', 'bob', '-c', 'nope.json'], t, { cwd });
    assert.equal(result.code, 2);
    assert.equal(result.stderr, `sup: cannot read config ${join(cwd, 'nope.json')}: no such file; check the --config flag or SUP_CONFIG\n`);
  });

  test('when SUP_CONFIG names a directory, then it exits 2 saying so', async (t) => {
    const cwd = tempDir(t);
    mkdirSync(join(cwd, 'conf'));
    const result = await runSup(['status', 'bob'], t, { cwd, env: { SUP_CONFIG: 'conf' } });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sup: cannot read config \S+\/conf: it is a directory/);
  });
});

describe('config file safety (like git safe.directory)', { timeout: 10_000 }, () => {
  for (const [who, mode] of [['its group', 0o664], ['others', 0o646]] as const) {
    test(`when a found code config can be written by ${who}, then it is refused with exit 2 naming the file and the fix`, async (t) => {
      const server = await ScriptedServer.start(t);
      const root = tempDir(t);
      const file = write(root, 'sup.config.mjs', `globalThis.ranUntrusted = true;\nexport default { port: ${server.port} };\n`);
      chmodSync(file, mode);
      mkdirSync(join(root, 'below'));
      const result = await runSup(['status', 'bob'], t, { cwd: join(root, 'below') });
      assert.equal(result.code, 2);
      assert.equal(
        result.stderr,
        `sup: refusing to run config ${file}: it is code, and ${who} can write it, so they could make sup run anything as you; fix: chmod go-w ${file}, or pass it with --config ${file} (or SUP_CONFIG) if you trust it\n`,
      );
      assert.equal((globalThis as { ranUntrusted?: boolean }).ranUntrusted, undefined, 'the file never ran');
      assert.equal(await server.acceptedBeforeProbe(), 0);
    });
  }

  test('when such a file is named with --config or SUP_CONFIG, then it is trusted and read', async (t) => {
    const server = await ScriptedServer.start(t);
    const cwd = tempDir(t);
    const file = write(cwd, 'sup.config.mjs', `export default { port: ${server.port}, user: 'trusted' };\n`);
    chmodSync(file, 0o666);
    assert.equal((await runSup(['send', 'bob', 'hi', '-c', file], t, { cwd })).code, 0);
    assert.equal((await runSup(['send', 'bob', 'hi'], t, { cwd, env: { SUP_CONFIG: file } })).code, 0);
    assert.equal(loginOn(server), 'trusted');
  });

  test('when a found config is data (JSON, YAML) writable by others, then it is read: it cannot run code', async (t) => {
    const server = await ScriptedServer.start(t);
    const cwd = tempDir(t);
    chmodSync(write(cwd, 'sup.config.json', JSON.stringify({ port: server.port, user: 'data' })), 0o666);
    assert.equal((await runSup(['send', 'bob', 'hi'], t, { cwd })).code, 0);
    assert.equal(loginOn(server), 'data');
  });

  const asRoot = process.getuid?.() === 0;
  test('when a found code config belongs to another user (not root), then it is refused naming the file', { skip: asRoot ? false : 'needs root to give a file to nobody' }, async (t) => {
    const server = await ScriptedServer.start(t);
    const cwd = tempDir(t);
    const file = write(cwd, 'sup.config.mjs', `export default { port: ${server.port} };\n`);
    chownSync(file, 65534, 65534);
    const result = await runSup(['status', 'bob'], t, { cwd });
    assert.equal(result.code, 2);
    assert.match(result.stderr, /^sup: refusing to run config \S+: it is code owned by another user \(uid 65534\)[^\n]*chown it to yourself, or pass it with --config/);
    assert.ok(result.stderr.includes(file));
    assert.equal(await server.acceptedBeforeProbe(), 0);
  });

  test('when a found code config belongs to root, then it is read whoever runs sup', async (t) => {
    const server = await ScriptedServer.start(t);
    const cwd = tempDir(t);
    const file = write(cwd, 'sup.config.cjs', `module.exports = { port: ${server.port}, user: 'rooted' };\n`);
    if (asRoot) chownSync(file, 0, 0);
    assert.equal((await runSup(['send', 'bob', 'hi'], t, { cwd })).code, 0);
    assert.equal(loginOn(server), 'rooted');
  });
});

describe('sup config', { timeout: 10_000 }, () => {
  test('when settings come from a flag, the env, a file and defaults, then each is shown with its origin', async (t) => {
    const cwd = tempDir(t);
    const file = write(cwd, 'sup.config.json', JSON.stringify({ port: 7000, host: 'from-file', timeout: 5000 }));
    const result = await runSup(['config', '--timeout', '42'], t, { cwd, env: { SUP_USER: 'envy' } });
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const rows = result.stdout.trimEnd().split('\n').map((line) => line.split(/\s{2,}|(?<=^\w+)\s+/));
    assert.deepEqual(rows, [
      ['host', 'from-file', `"host" in ${file}`],
      ['port', '7000', `"port" in ${file}`],
      ['user', 'envy', 'SUP_USER'],
      ['timeout', '42', '--timeout'],
      ['config', file, `found searching up from ${cwd}`],
      ['tls', 'off', 'default'],
    ]);
  });

  test('when --json is given, then one object gives each value and where it came from', async (t) => {
    const cwd = tempDir(t);
    const file = write(cwd, 'conf.yaml', 'port: 7000\n');
    const result = await runSup(['config', '--json', '-c', 'conf.yaml', '-u', 'flagged'], t, { cwd, env: { SUP_PORT: '7001' } });
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), {
      host: { value: '127.0.0.1', from: 'default' },
      port: { value: 7001, from: 'env', name: 'SUP_PORT' },
      user: { value: 'flagged', from: 'flag', flag: '--user' },
      timeout: { value: 10000, from: 'default' },
      config: { value: file, from: 'flag', flag: '--config' },
      tls: { value: 'off', from: 'default' },
    });
  });

  test('when TLS files come from the config file, a flag and the env, then each is shown with its origin', async (t) => {
    const cwd = tempDir(t);
    const file = write(cwd, 'sup.config.json', JSON.stringify({ tls: { ca: 'certs/ca.pem' } }));
    for (const name of ['alice.pem', 'alice.key']) write(cwd, name, 'not read until a connection is made, but it must exist');
    mkdirSync(join(cwd, 'certs'));
    write(cwd, 'certs/ca.pem', 'ca');
    const result = await runSup(['config', '--json', '--tls-cert', 'alice.pem'], t, { cwd, env: { SUP_TLS_KEY: 'alice.key' } });
    assert.equal(result.code, 0, result.stderr);
    const shown = JSON.parse(result.stdout) as Record<string, unknown>;
    assert.deepEqual(shown.tls, { value: 'on', from: 'file', file, key: 'tls.ca' });
    assert.deepEqual(shown['tls.ca'], { value: join(cwd, 'certs', 'ca.pem'), from: 'file', file, key: 'tls.ca' });
    assert.deepEqual(shown['tls.cert'], { value: join(cwd, 'alice.pem'), from: 'flag', flag: '--tls-cert' });
    assert.deepEqual(shown['tls.key'], { value: join(cwd, 'alice.key'), from: 'env', name: 'SUP_TLS_KEY' });
  });

  test('when no config file and no user are given, then it says none was found and shows the OS login name', async (t) => {
    const cwd = tempDir(t);
    const result = await runSup(['config', '--json'], t, { cwd });
    const shown = JSON.parse(result.stdout) as Record<string, { value: unknown; from: string }>;
    assert.deepEqual(shown.config, { value: null, from: 'search', cwd });
    assert.deepEqual(shown.user, { value: userInfo().username, from: 'os' });
  });

  test('when the config is broken, then `sup config` exits 2 like every command', async (t) => {
    const cwd = tempDir(t);
    write(cwd, 'sup.config.json', '{"prot": 1}');
    const result = await runSup(['config', '--json'], t, { cwd });
    assert.equal(result.code, 2);
    assert.match(JSON.parse(result.stdout).error as string, /unknown key "prot"/);
  });
});
