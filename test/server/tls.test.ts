import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { ServerOptionError } from '../../src/server/errors.js';
import type { SupServerOptions } from '../../src/server/options.js';
import { SupServer } from '../../src/server/sup-server.js';
import { RecordingLogger } from '../bot/helpers/recording-logger.js';
import { RawPeer } from '../helpers/raw-peer.js';
import { startServer } from '../helpers/server.js';
import { createTestCa, type IssuedCertificate } from '../helpers/tls-ca.js';

// One CA for the whole file: openssl runs take a while on a loaded machine.
const cleanups: Array<() => unknown> = [];
const fileScope = { after: (fn: () => unknown) => cleanups.push(fn) };
process.on('exit', () => cleanups.forEach((fn) => fn()));
const ca = createTestCa(fileScope);
const otherCa = createTestCa(fileScope, 'some other CA');
const alice = ca.issue('alice');
const relay = ca.issue('relay');
const forgedRelay = otherCa.issue('relay');

async function startTlsServer(t: TestContext, options: Partial<SupServerOptions> = {}, tls: Partial<NonNullable<SupServerOptions['tls']>> = {}) {
  const logger = new RecordingLogger();
  const { server, port } = await startServer(t, {
    logger,
    tls: { certFile: ca.server.certFile, keyFile: ca.server.keyFile, ...tls },
    ...options,
  });
  return { server, port, logger };
}

const withClientCa = { clientCaFile: ca.certFile };

function tlsPeer(t: TestContext, port: number, certificate?: IssuedCertificate): Promise<RawPeer> {
  return RawPeer.connectTls(port, t, { ca: ca.cert, ...(certificate ? { cert: certificate.cert, key: certificate.key } : {}) });
}

describe('server TLS', () => {
  test('when a plain-TCP client talks to a TLS port, then it gets no answer and is cut off', async (t) => {
    const { port, server } = await startTlsServer(t);
    const plain = await RawPeer.connect(port, t);
    plain.send('login mallory');
    const { frames, trailing } = await plain.rest();
    assert.deepEqual(frames, [], 'no Sup frame in clear text');
    assert.equal(trailing.includes('status'), false);
    assert.equal(server.stats.online, 0);
  });

  test('when a client without a certificate connects over TLS, then it logs in as an ordinary name and chats as usual', async (t) => {
    const { port } = await startTlsServer(t, { reserve: ['relay'] }, withClientCa);
    const bob = await tlsPeer(t, port);
    const carol = await tlsPeer(t, port);
    assert.deepEqual(await bob.request('login bob'), ['status 000 OK']);
    assert.deepEqual(await carol.request('login carol'), ['status 000 OK']);
    assert.deepEqual(await bob.request('get contacts', 2), ['status 000 OK', 'contacts bob carol']);
    assert.deepEqual(await bob.request('send carol hi  there\x09'), ['status 000 OK']);
    assert.deepEqual(await carol.frames(1), ['recv bob hi  there\x09']);
    assert.deepEqual(await bob.request('contact carol'), ['status 001 Online']);
    assert.deepEqual(await bob.request('quit bob'), ['status 000 OK']);
    await bob.closed;
  });

  test('when a reserved name is asked for without its certificate, then the answer is 109 and it is logged with the address', async (t) => {
    const { port, logger } = await startTlsServer(t, { reserve: ['relay'] }, withClientCa);
    const anonymous = await tlsPeer(t, port);
    assert.deepEqual(await anonymous.request('login relay'), ['status 109 Not Authorized']);
    const withAliceCert = await tlsPeer(t, port, alice);
    assert.deepEqual(await withAliceCert.request('login relay'), ['status 109 Not Authorized']);
    // The refused connection is still there and may take a name it is allowed.
    assert.deepEqual(await anonymous.request('login mallory'), ['status 000 OK']);
    const refusals = logger.events('login-refused');
    assert.equal(refusals.length, 2);
    assert.deepEqual(
      refusals.map(({ fields }) => [fields.status, fields.user, fields.certificate, fields.address]),
      [
        ['109', 'relay', null, '127.0.0.1'],
        ['109', 'relay', 'alice', '127.0.0.1'],
      ],
    );
  });

  test('when the owning certificate asks for its reserved name, then it takes it, even while others wait for it', async (t) => {
    const { port, server } = await startTlsServer(t, { reserve: ['relay'] }, withClientCa);
    const bot = await tlsPeer(t, port, relay);
    assert.deepEqual(await bot.request('login relay'), ['status 000 OK']);
    assert.deepEqual(server.counters.loginsRefused, {});
    const other = await tlsPeer(t, port, relay);
    assert.deepEqual(await other.request('login relay'), ['status 101 Username Taken'], 'the certificate does not take a name already held');
  });

  test('when a certificate names alice, then its connection can log in as alice only', async (t) => {
    const { port, server } = await startTlsServer(t, {}, withClientCa);
    const peer = await tlsPeer(t, port, alice);
    assert.deepEqual(await peer.request('login bob'), ['status 109 Not Authorized']);
    assert.deepEqual(await peer.request('login alice'), ['status 000 OK']);
    assert.deepEqual(server.counters.loginsRefused, { '109': 1 });
  });

  test('when a client presents a certificate from another CA, then the connection is cut before any login', async (t) => {
    const { port, server, logger } = await startTlsServer(t, { reserve: ['relay'] }, withClientCa);
    const forged = await RawPeer.connectTls(port, t, { ca: ca.cert, cert: forgedRelay.cert, key: forgedRelay.key }).catch((error: Error) => error);
    if (forged instanceof RawPeer) {
      forged.send('login relay');
      const { frames } = await forged.rest();
      assert.deepEqual(frames, []);
    }
    assert.equal(server.stats.online, 0);
    assert.equal(logger.events('tls-client-rejected').length, 1);
    assert.equal(logger.events('tls-client-rejected')[0]!.fields.address, '127.0.0.1');
  });

  test('when client certificates are required, then a client without one fails the handshake and one with one logs in', async (t) => {
    const { port } = await startTlsServer(t, {}, { ...withClientCa, requireClientCert: true });
    const anonymous = await tlsPeer(t, port).catch((error: Error) => error);
    if (anonymous instanceof RawPeer) {
      // TLS 1.3 finishes the client's side of the handshake before the server checks.
      anonymous.send('login bob');
      const { frames } = await anonymous.rest();
      assert.deepEqual(frames, []);
    }
    const peer = await tlsPeer(t, port, alice);
    assert.deepEqual(await peer.request('login alice'), ['status 000 OK']);
  });

  test('when the server starts with TLS, then it logs the certificate it loaded and that it listens with TLS, and no plaintext warning', async (t) => {
    const { logger, port } = await startTlsServer(t, {}, withClientCa);
    const [loaded] = logger.events('tls-loaded');
    assert.equal(loaded?.fields.cert, ca.server.certFile);
    assert.match(String(loaded?.fields.subject), /CN=localhost/);
    assert.equal(loaded?.fields.clientCa, true);
    assert.deepEqual(logger.events('listening')[0]?.fields, { host: '127.0.0.1', port, tls: true });
    assert.deepEqual(logger.events('plaintext-on-network'), []);
  });

  test('when a client pipelines over TLS, then every frame is answered in order and every message arrives in order', async (t) => {
    const { port } = await startTlsServer(t);
    const sender = await tlsPeer(t, port);
    const receiver = await tlsPeer(t, port);
    assert.deepEqual(await receiver.request('login receiver'), ['status 000 OK']);
    const count = 500;
    const frames = ['login sender', ...Array.from({ length: count }, (_, i) => `send receiver message ${i}`), 'contact receiver'];
    const answers = await sender.request(frames);
    assert.deepEqual(answers, ['status 000 OK', ...Array.from({ length: count }, () => 'status 000 OK'), 'status 001 Online']);
    assert.deepEqual(await receiver.frames(count), Array.from({ length: count }, (_, i) => `recv sender message ${i}`));
  });

  test('when a TLS receiver never reads, then it is closed as a slow consumer and later sends to it get 104', async (t) => {
    const { port, server, logger } = await startTlsServer(t, { maxOutputBytes: 64 * 1024 });
    const slow = await tlsPeer(t, port);
    assert.deepEqual(await slow.request('login slow'), ['status 000 OK']);
    slow.socket.pause();
    const fast = await tlsPeer(t, port);
    assert.deepEqual(await fast.request('login fast'), ['status 000 OK']);
    const message = 'm'.repeat(8 * 1024);
    let statuses: string[] = [];
    // Kernel buffers absorb a few megabytes first; 64 MiB without a close means no limit at all.
    for (let sent = 0; sent < 64 * 1024 * 1024 && !statuses.includes('status 104 Messaged User Not Online'); sent += 64 * message.length) {
      statuses = await fast.request(Array.from({ length: 64 }, () => `send slow ${message}`));
    }
    assert.ok(statuses.includes('status 104 Messaged User Not Online'), 'the slow consumer was never closed');
    assert.deepEqual(await fast.request(['contact slow', 'send slow again']), ['status 103 Offline', 'status 104 Messaged User Not Online']);
    assert.equal(server.counters.slowConsumerDisconnects, 1);
    assert.equal(logger.events('slow-consumer-closed')[0]?.fields.user, 'slow');
  });

  test('when the server is closed, then connections still in or past the handshake are closed too', async (t) => {
    const { port, server } = await startTlsServer(t);
    const peer = await tlsPeer(t, port);
    assert.deepEqual(await peer.request('login bob'), ['status 000 OK']);
    await server.close();
    await peer.closed;
    assert.deepEqual(server.stats, { connections: 0, online: 0, unsentOutputBytes: 0 });
  });
});

describe('server TLS options', () => {
  test('when a TLS file is missing, then listen() fails naming the file and the option', async (t) => {
    const server = new SupServer({ port: 0, tls: { certFile: join(ca.dir, 'nope.crt'), keyFile: ca.server.keyFile } });
    t.after(() => server.close());
    await assert.rejects(server.listen(), (error: unknown) => {
      assert.ok(error instanceof ServerOptionError);
      assert.equal(error.option, 'tls.certFile');
      assert.match(error.message, /nope\.crt.*no such file/);
      return true;
    });
  });

  test('when the key does not belong to the certificate, then listen() fails naming both files', async (t) => {
    const server = new SupServer({ port: 0, tls: { certFile: ca.server.certFile, keyFile: alice.keyFile } });
    t.after(() => server.close());
    await assert.rejects(server.listen(), (error: unknown) => {
      assert.ok(error instanceof ServerOptionError);
      assert.equal(error.option, 'tls.keyFile');
      assert.ok(error.message.includes(alice.keyFile) && error.message.includes(ca.server.certFile), error.message);
      return true;
    });
  });

  test('when a file is not PEM, then listen() fails naming it', async (t) => {
    const garbage = join(ca.dir, 'garbage.pem');
    writeFileSync(garbage, 'not a certificate\n');
    const server = new SupServer({ port: 0, tls: { certFile: ca.server.certFile, keyFile: ca.server.keyFile, clientCaFile: garbage } });
    t.after(() => server.close());
    await assert.rejects(server.listen(), (error: unknown) => error instanceof ServerOptionError && error.option === 'tls.clientCaFile' && error.message.includes(garbage));
  });

  test('when reserve or requireClientCert come without a client CA, or a reserved name is invalid, then the server refuses the options', () => {
    const tls = { certFile: ca.server.certFile, keyFile: ca.server.keyFile };
    assert.throws(() => new SupServer({ reserve: ['relay'] }), (error: unknown) => error instanceof ServerOptionError && error.option === 'reserve');
    assert.throws(() => new SupServer({ tls, reserve: ['relay'] }), /--tls-client-ca/);
    assert.throws(() => new SupServer({ tls: { ...tls, requireClientCert: true } }), (error: unknown) => error instanceof ServerOptionError && error.option === 'tls.requireClientCert');
    assert.throws(() => new SupServer({ tls: { ...tls, clientCaFile: ca.certFile }, reserve: ['no good'] }), /"no good" is not a valid username/);
  });
});
