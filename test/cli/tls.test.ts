import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test, type TestContext } from 'node:test';
import type { SupServerOptions } from '../../src/server/options.js';
import { RawPeer } from '../helpers/raw-peer.js';
import { createTestCa } from '../helpers/tls-ca.js';
import { runSup, spawnSup, startCli, startServer, tempDir, type Proc } from './harness.js';

const cleanups: Array<() => unknown> = [];
after(() => cleanups.forEach((fn) => fn()));
const ca = createTestCa({ after: (fn) => cleanups.push(fn) });
const relay = ca.issue('relay');
const alice = ca.issue('alice');

const OK = 'status 000 OK';

/** A TLS server that asks for client certificates and keeps `relay` for its certificate. */
async function startTlsServer(t: TestContext, options: Partial<SupServerOptions> = {}): Promise<{ port: number; peer: () => Promise<RawPeer> }> {
  const { port } = await startServer(t, {
    tls: { certFile: ca.server.certFile, keyFile: ca.server.keyFile, clientCaFile: ca.certFile },
    reserve: ['relay'],
    ...options,
  });
  return { port, peer: () => RawPeer.connectTls(port, t, { ca: ca.cert }) };
}

async function bobOnline(t: TestContext, peer: () => Promise<RawPeer>): Promise<RawPeer> {
  const bob = await peer();
  assert.deepEqual(await bob.request('login bob'), [OK]);
  return bob;
}

describe('the CLI over TLS', { timeout: 30_000 }, () => {
  test('when --tls-ca is given, then send goes over TLS and arrives', async (t) => {
    const { port, peer } = await startTlsServer(t);
    const bob = await bobOnline(t, peer);
    const result = await runSup(['send', 'bob', 'hello', '-p', String(port), '-u', 'carol', '--tls-ca', ca.certFile], t);
    assert.deepEqual(result, { code: 0, stdout: '', stderr: '' });
    assert.equal(await bob.frame(), 'recv carol hello');
  });

  test('when the certificate comes from --tls-cert and --tls-key, then the reserved name is ours', async (t) => {
    const { port, peer } = await startTlsServer(t);
    const bob = await bobOnline(t, peer);
    const args = ['send', 'bob', 'from the relay', '-p', String(port), '-u', 'relay', '--tls-ca', ca.certFile];
    const result = await runSup([...args, '--tls-cert', relay.certFile, '--tls-key', relay.keyFile], t);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(await bob.frame(), 'recv relay from the relay');
  });

  test('when SUP_TLS_CA, SUP_TLS_CERT and SUP_TLS_KEY are set, then they are used like the flags', async (t) => {
    const { port, peer } = await startTlsServer(t);
    const bob = await bobOnline(t, peer);
    const env = { SUP_TLS_CA: ca.certFile, SUP_TLS_CERT: relay.certFile, SUP_TLS_KEY: relay.keyFile, SUP_USER: 'relay' };
    assert.equal((await runSup(['send', 'bob', 'by env', '-p', String(port)], t, { env })).code, 0);
    assert.equal(await bob.frame(), 'recv relay by env');
    const contacts = await runSup(['contacts', '-p', String(port)], t, { env: { SUP_TLS_CA: ca.certFile } });
    assert.deepEqual(contacts, { code: 0, stdout: 'bob\n', stderr: '' });
  });

  test('when the config file has "tls" with paths, then they are read relative to the file', async (t) => {
    const { port, peer } = await startTlsServer(t);
    const bob = await bobOnline(t, peer);
    const dir = tempDir(t);
    mkdirSync(join(dir, 'certs'));
    for (const [from, to] of [[ca.certFile, 'ca.crt'], [relay.certFile, 'relay.crt'], [relay.keyFile, 'relay.key']] as const) {
      copyFileSync(from, join(dir, 'certs', to));
    }
    writeFileSync(
      join(dir, 'sup.config.json'),
      JSON.stringify({ port, user: 'relay', tls: { ca: 'certs/ca.crt', cert: 'certs/relay.crt', key: 'certs/relay.key' } }),
    );
    const cwd = join(dir, 'certs');
    // A throwaway name goes without the certificate (it would allow only "relay")...
    const status = await runSup(['status', 'bob'], t, { cwd });
    assert.deepEqual(status, { code: 0, stdout: 'online\n', stderr: '' });
    // ...while --user takes the certificate along.
    assert.deepEqual(await runSup(['contacts', '--user', 'relay'], t, { cwd }), { code: 0, stdout: 'bob\n', stderr: '' });
    assert.equal((await runSup(['send', 'bob', 'by config'], t, { cwd })).code, 0);
    assert.equal(await bob.frame(), 'recv relay by config');
  });

  test('when a name is reserved and no certificate is given, then send exits 4 with one line naming 109', async (t) => {
    const { port } = await startTlsServer(t);
    const result = await runSup(['send', 'bob', 'hi', '-p', String(port), '-u', 'relay', '--tls-ca', ca.certFile], t);
    assert.equal(result.code, 4);
    assert.match(result.stderr, /^sup: .*"relay".*status 109 Not Authorized[^\n]*\n$/);
  });

  test("when a certificate names someone else, then login as another name exits 4", async (t) => {
    const { port } = await startTlsServer(t);
    const args = ['status', 'bob', '-p', String(port), '-u', 'mallory', '--tls-ca', ca.certFile, '--tls-cert', alice.certFile, '--tls-key', alice.keyFile];
    const result = await runSup(args, t);
    assert.equal(result.code, 4);
    assert.match(result.stderr, /status 109/);
  });

  test("when the server's certificate does not verify, then it exits 3 with the certificate problem in one line", async (t) => {
    const { port } = await startTlsServer(t);
    for (const flags of [['--tls'], ['--tls-ca', relay.certFile]]) {
      const result = await runSup(['send', 'bob', 'hi', '-p', String(port), '-u', 'carol', ...flags], t);
      assert.equal(result.code, 3, flags.join(' '));
      assert.match(result.stderr, /^sup: [^\n]*certificate does not verify[^\n]*--tls-ca[^\n]*\n$/);
    }
  });

  test('when a TLS file is missing or the key is left out, then it exits 2 naming it', async (t) => {
    const missing = await runSup(['contacts', '--tls-ca', 'nope.pem', '-p', '1'], t);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^sup: cannot read \S*nope\.pem \(from --tls-ca\): no such file\n$/);
    const noKey = await runSup(['contacts', '--tls-cert', relay.certFile, '-p', '1'], t, { env: {} });
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /--tls-cert is given, --tls-key \(or SUP_TLS_KEY\) is not/);
    const badConfig = tempDir(t);
    writeFileSync(join(badConfig, 'sup.config.json'), JSON.stringify({ tls: { ca: 5 } }));
    const bad = await runSup(['contacts'], t, { cwd: badConfig });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /"tls\.ca" must be a non-empty string/);
  });

  test('when sup bot runs with its own certificate, then it takes its reserved name and answers; without it, it exits 4', async (t) => {
    const { port, peer } = await startTlsServer(t, { reserve: ['echo'] });
    const tls = ['--tls-ca', ca.certFile];
    const refused = await runSup(['bot', 'bots/echo.js', '-u', 'echo', '-p', String(port), ...tls], t, { cwd: process.cwd() });
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /status 109 Not Authorized/);

    const echo = ca.issue('echo');
    const bot = startCli(['bot', 'bots/echo.js', '-u', 'echo', '-p', String(port), ...tls, '--tls-cert', echo.certFile, '--tls-key', echo.keyFile], t, {
      cwd: process.cwd(),
    });
    await bot.stderr.until(/connection.*online/);
    const bob = await bobOnline(t, peer);
    assert.deepEqual(await bob.request('send echo ping', 2), [OK, 'recv echo ping']);
    bot.shutdown();
    assert.equal(await bot.exited, 0);
  });
});

/** Resolves once `pattern` shows up on the process's stderr; rejects if it exits first. */
function stderrMatch(run: Proc, pattern: RegExp): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      const match = pattern.exec(run.stderr());
      if (match) {
        run.child.stderr!.off('data', check);
        resolve(match);
      }
    };
    run.child.stderr!.on('data', check);
    check();
    void run.exited.then(({ code }) => reject(new Error(`sup exited with ${code}: ${run.stderr()}`)));
  });
}

describe('sup server with TLS, limits and metrics', { timeout: 30_000 }, () => {
  test('when started with every deployment flag, then the built server enforces each and serves metrics', async (t) => {
    const run = spawnSup(
      [
        'server', '--port', '0', '--tls-cert', ca.server.certFile, '--tls-key', ca.server.keyFile, '--tls-client-ca', ca.certFile,
        '--reserve', 'relay,echo', '--max-connections-per-ip', '2', '--metrics', '127.0.0.1:0', '--log-format', 'json',
      ],
      t,
    );
    const [, port] = await stderrMatch(run, /sup server listening on 127\.0\.0\.1:(\d+)\n/);
    const [, metricsPort] = await stderrMatch(run, /"event":"metrics-listening","host":"127\.0\.0\.1","port":(\d+)/);
    assert.match(run.stderr(), /"event":"tls-loaded".*"clientCa":true/);

    const anonymous = await RawPeer.connectTls(Number(port), t, { ca: ca.cert });
    assert.deepEqual(await anonymous.request(['login echo', 'login bob']), ['status 109 Not Authorized', OK]);
    const owner = await RawPeer.connectTls(Number(port), t, { ca: ca.cert, cert: relay.cert, key: relay.key });
    assert.deepEqual(await owner.request('login relay'), [OK]);
    const third = await RawPeer.connectTls(Number(port), t, { ca: ca.cert });
    assert.deepEqual((await third.rest()).frames, ['status 201 Server Full']);
    // From another address, so the per-address limit is not what cuts it off.
    const plain = await RawPeer.connect(Number(port), t, { localAddress: '127.0.0.2' });
    plain.send('login x');
    assert.deepEqual((await plain.rest()).frames, []);

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.match(metrics, /^sup_users_online 2$/m);
    assert.match(metrics, /^sup_logins_refused_total\{status="109"\} 1$/m);
    assert.match(metrics, /^sup_connections_refused_total\{reason="max-connections-per-ip"\} 1$/m);
    assert.match(run.stderr(), /"event":"login-refused","status":"109","user":"echo","certificate":null,"address":"127\.0\.0\.1"/);

    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
    assert.match(run.stderr(), /"event":"shutdown"/);
  });

  test('when the same settings come from the config file, then paths are relative to it', async (t) => {
    const dir = tempDir(t);
    copyFileSync(ca.server.certFile, join(dir, 'server.crt'));
    copyFileSync(ca.server.keyFile, join(dir, 'server.key'));
    copyFileSync(ca.certFile, join(dir, 'ca.crt'));
    const server = { port: 0, tlsCert: 'server.crt', tlsKey: 'server.key', tlsClientCa: 'ca.crt', requireClientCert: true, reserve: ['relay'], maxConnectionsPerIp: 5 };
    writeFileSync(join(dir, 'sup.config.json'), JSON.stringify({ server }));
    const run = startCli(['server'], t, { cwd: dir });
    await run.stderr.until(/sup server listening on 127\.0\.0\.1:\d+\n/);
    const port = Number(/listening on 127\.0\.0\.1:(\d+)/.exec(run.stderr.text)![1]);
    const owner = await RawPeer.connectTls(port, t, { ca: ca.cert, cert: relay.cert, key: relay.key });
    assert.deepEqual(await owner.request('login relay'), [OK]);
    const anonymous = await RawPeer.connectTls(port, t, { ca: ca.cert }).catch((error: Error) => error);
    if (anonymous instanceof RawPeer) {
      anonymous.send('login bob');
      assert.deepEqual((await anonymous.rest()).frames, [], 'a client certificate is required');
    }
    run.shutdown();
    assert.equal(await run.exited, 0);
  });

  test('when a TLS file is missing or flags do not go together, then it exits 2 with one line naming the problem', async (t) => {
    const missing = await runSup(['server', '--port', '0', '--tls-cert', 'nope.crt', '--tls-key', ca.server.keyFile], t);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^sup: cannot read \S*nope\.crt \(tls\.certFile\): no such file\n$/);
    const mismatch = await runSup(['server', '--port', '0', '--tls-cert', ca.server.certFile, '--tls-key', relay.keyFile], t);
    assert.equal(mismatch.code, 2);
    assert.match(mismatch.stderr, /is not the private key of/);
    for (const args of [
      ['--tls-cert', ca.server.certFile],
      ['--tls-client-ca', ca.certFile],
      ['--reserve', 'relay'],
      ['--tls-cert', ca.server.certFile, '--tls-key', ca.server.keyFile, '--require-client-cert'],
      ['--metrics', 'nowhere'],
      ['--max-connections-per-ip', '-1'],
    ]) {
      const result = await runSup(['server', '--port', '0', ...args], t);
      assert.equal(result.code, 2, args.join(' '));
      assert.match(result.stderr, /^sup: [^\n]+\n$/, args.join(' '));
    }
  });
});

describe('shell completion of the TLS flags', () => {
  test('when a TLS file flag is completed, then the shell is told to offer file names', async () => {
    const { completionSpec } = await import('../../src/cli/completion/spec.js');
    const { createProgram } = await import('../../src/cli/program.js');
    const { PassThrough } = await import('node:stream');
    const io = { stdout: new PassThrough(), stderr: new PassThrough(), stdin: new PassThrough(), env: {}, shutdown: new AbortController().signal, cwd: process.cwd() };
    const spec = completionSpec(createProgram(io));
    const kindOf = (command: string, flag: string): string | undefined =>
      spec.commands.find((c) => c.name === command)?.options.find((o) => o.names.includes(flag))?.value?.kind;
    for (const flag of ['--tls-ca', '--tls-cert', '--tls-key']) {
      for (const command of ['send', 'contacts', 'status', 'listen', 'bot']) assert.equal(kindOf(command, flag), 'file', `${command} ${flag}`);
    }
    for (const flag of ['--tls-cert', '--tls-key', '--tls-client-ca']) assert.equal(kindOf('server', flag), 'file', `server ${flag}`);
    assert.equal(kindOf('send', '--tls'), undefined, '--tls takes no value');
  });
});
