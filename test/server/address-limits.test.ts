import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { AddressLimits } from '../../src/server/address-limits.js';
import { SERVER_DEFAULTS } from '../../src/server/options.js';
import { RecordingLogger } from '../bot/helpers/recording-logger.js';
import { RawPeer } from '../helpers/raw-peer.js';
import { loggedIn, loginOnceAdmitted, startServer } from '../helpers/server.js';
import { createTestCa } from '../helpers/tls-ca.js';

const OK = 'status 000 OK';
const SERVER_FULL = 'status 201 Server Full';

const cleanups: Array<() => unknown> = [];
after(() => cleanups.forEach((fn) => fn()));

describe('AddressLimits', () => {
  test('when an address reaches the limit, then it is refused until one of its connections is released', () => {
    const limits = new AddressLimits(2);
    assert.equal(limits.admit('10.0.0.1'), true);
    assert.equal(limits.admit('10.0.0.1'), true);
    assert.equal(limits.admit('10.0.0.1'), false);
    assert.equal(limits.admit('10.0.0.2'), true);
    limits.release('10.0.0.1');
    assert.equal(limits.count('10.0.0.1'), 1);
    assert.equal(limits.admit('10.0.0.1'), true);
    limits.release('10.0.0.2');
    assert.equal(limits.count('10.0.0.2'), 0);
  });

  test('when the limit is 0, then it is off', () => {
    assert.equal(new AddressLimits(0).enabled, false);
    assert.equal(SERVER_DEFAULTS.maxConnectionsPerIp, 100);
  });
});

describe('SupServer maxConnectionsPerIp', { timeout: 30_000 }, () => {
  test('when one address opens more than the limit, then the extra one gets 201 and is closed, others are unaffected, and a closed one frees its slot', async (t) => {
    const logger = new RecordingLogger();
    const { port, server } = await startServer(t, { maxConnectionsPerIp: 2, logger });
    const alice = await loggedIn(port, t, 'alice');
    await loggedIn(port, t, 'bob');
    const refused = await RawPeer.connect(port, t);
    refused.send('login carol');
    assert.deepEqual(await refused.rest(), { frames: [SERVER_FULL], trailing: '' });
    assert.deepEqual(logger.events('connection-refused').map((e) => e.fields), [{ reason: 'max-connections-per-ip', address: '127.0.0.1' }]);
    assert.deepEqual(server.counters.connectionsRefused, { 'max-connections-per-ip': 1 });

    // Another address of this machine has its own count.
    const elsewhere = await RawPeer.connect(port, t, { localAddress: '127.0.0.2' });
    assert.deepEqual(await elsewhere.request('login dave'), [OK]);

    assert.deepEqual(await alice.request('quit alice'), [OK]);
    await alice.closed;
    assert.equal(await loginOnceAdmitted(port, t, 'carol'), OK);
  });

  test('when the limit is 0, then one address may open as many as maxConnections allows', async (t) => {
    const { port } = await startServer(t, { maxConnectionsPerIp: 0, maxConnections: 5 });
    for (const name of ['a', 'b', 'c', 'd', 'e']) await loggedIn(port, t, name);
    const refused = await RawPeer.connect(port, t);
    assert.deepEqual((await refused.rest()).frames, [SERVER_FULL]);
  });

  test('when a TLS connection is over the limit, then its 201 comes over TLS', async (t) => {
    const ca = createTestCa({ after: (fn) => cleanups.push(fn) });
    const { port } = await startServer(t, { maxConnectionsPerIp: 1, tls: { certFile: ca.server.certFile, keyFile: ca.server.keyFile } });
    const first = await RawPeer.connectTls(port, t, { ca: ca.cert });
    assert.deepEqual(await first.request('login alice'), [OK]);
    const refused = await RawPeer.connectTls(port, t, { ca: ca.cert });
    assert.deepEqual((await refused.rest()).frames, [SERVER_FULL]);
  });
});
