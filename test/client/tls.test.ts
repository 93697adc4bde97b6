import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { SupConnectionError, SupErrorCode, SupInvalidArgumentError, SupNotAuthorizedError, SupStatusError } from '../../src/client/errors.js';
import { createNodeTransport } from '../../src/client/node-transport.js';
import { SupClient, type SupMessage } from '../../src/client/sup-client.js';
import { startServer } from '../helpers/server.js';
import { createTestCa } from '../helpers/tls-ca.js';
import { newClient, recordStates } from './helpers.js';

const cleanups: Array<() => unknown> = [];
after(() => cleanups.forEach((fn) => fn()));
const ca = createTestCa({ after: (fn) => cleanups.push(fn) });
const relayCert = ca.issue('relay');

describe('SupClient over TLS', { timeout: 30_000 }, () => {
  test('when tls names the CA, then the client logs in, sends and receives as over TCP', async (t) => {
    const { port } = await startServer(t, { tls: { certFile: ca.server.certFile, keyFile: ca.server.keyFile } });
    const alice = newClient(t, { port, username: 'alice', tls: { ca: ca.cert } });
    const bob = newClient(t, { port, username: 'bob', tls: { ca: ca.cert, servername: 'localhost' } });
    await Promise.all([alice.connect(), bob.connect()]);
    const received = new Promise<SupMessage>((resolve) => bob.once('message', resolve));
    await alice.send('bob', 'over tls');
    assert.equal((await received).text, 'over tls');
    assert.deepEqual(await alice.contacts(), ['alice', 'bob']);
    await alice.quit();
  });

  test('when a name is reserved for another certificate, then login fails with SUP_NOT_AUTHORIZED and is not retried', async (t) => {
    const { port } = await startServer(t, {
      tls: { certFile: ca.server.certFile, keyFile: ca.server.keyFile, clientCaFile: ca.certFile },
      reserve: ['relay'],
    });
    const impostor = newClient(t, { port, username: 'relay', tls: { ca: ca.cert } });
    const states = recordStates(impostor);
    const error = await impostor.connect().catch((e: unknown) => e);
    assert.ok(error instanceof SupNotAuthorizedError);
    assert.ok(error instanceof SupStatusError, 'still a status error, for code that branches on status');
    assert.equal(error.code, SupErrorCode.NotAuthorized);
    assert.equal(error.status, '109');
    assert.equal(error.command, 'login');
    assert.match(error.message, /"relay".*status 109 Not Authorized.*certificate/);
    assert.deepEqual(
      states.map((s) => s.type),
      ['connecting', 'closed'],
      'no retry after 109',
    );

    const bot = newClient(t, { port, username: 'relay', tls: { ca: ca.cert, cert: relayCert.cert, key: relayCert.key } });
    await bot.connect();
    assert.equal(bot.state.type, 'online');
  });

  test("when the server's certificate does not verify, then connecting fails with the certificate problem", async (t) => {
    const { port } = await startServer(t, { tls: { certFile: ca.server.certFile, keyFile: ca.server.keyFile } });
    const client = newClient(t, { port, username: 'alice', tls: true, reconnect: false });
    const error = await client.connect().catch((e: unknown) => e);
    assert.ok(error instanceof SupConnectionError);
    assert.equal(error.code, SupErrorCode.ConnectFailed);
    assert.match(error.message, /TLS: the server's certificate does not verify: .*\[UNABLE_TO_VERIFY_LEAF_SIGNATURE\].*--tls-ca/);
    assert.equal(error.message.includes('\n'), false);
  });

  test('when the host is not a name the certificate carries, then connecting fails naming the mismatch', async (t) => {
    const other = ca.issue('elsewhere', { subjectAltName: 'DNS:elsewhere.example' });
    const { port } = await startServer(t, { tls: { certFile: other.certFile, keyFile: other.keyFile } });
    const client = newClient(t, { port, username: 'alice', tls: { ca: ca.cert }, reconnect: false });
    const error = await client.connect().catch((e: unknown) => e);
    assert.ok(error instanceof SupConnectionError);
    assert.match(error.message, /ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  test('when tls and transport are both given, or tls is not true nor an object, then the options are refused', () => {
    assert.throws(() => new SupClient({ username: 'a', tls: true, transport: createNodeTransport() }), SupInvalidArgumentError);
    assert.throws(() => new SupClient({ username: 'a', tls: 'yes' as never }), /option tls must be true or an object/);
  });
});
