import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { SupServerOptions } from '../../../src/server/options.js';
import { startNode, type ClusterNode } from '../../helpers/cluster.js';
import { NatsServer } from '../../helpers/nats-server.js';
import { RawPeer } from '../../helpers/raw-peer.js';
import { createTestCa, type IssuedCertificate } from '../../helpers/tls-ca.js';

const hooks: Array<() => unknown> = [];
const cleanup = { after: (fn: () => unknown) => hooks.push(fn) };
const ca = createTestCa(cleanup);
const alice = ca.issue('alice');
const relay = ca.issue('relay');

const OK = 'status 000 OK';
const NOT_AUTHORIZED = 'status 109 Not Authorized';

describe('a cluster of two TLS nodes with certificate names and a reserved name', { timeout: 60_000 }, () => {
  let a: ClusterNode;
  let b: ClusterNode;
  before(async () => {
    const nats = await NatsServer.start(cleanup);
    const options: SupServerOptions = {
      tls: { certFile: ca.server.certFile, keyFile: ca.server.keyFile, clientCaFile: ca.certFile },
      reserve: ['relay'],
    };
    a = await startNode(cleanup, nats.url, options);
    b = await startNode(cleanup, nats.url, options);
  });
  // Nodes leave before the broker stops; the CA's files go last.
  after(async () => {
    for (const hook of hooks.reverse()) await hook();
  });

  function peer(t: TestContext, node: ClusterNode, certificate?: IssuedCertificate): Promise<RawPeer> {
    return RawPeer.connectTls(node.port, t, { ca: ca.cert, ...(certificate ? { cert: certificate.cert, key: certificate.key } : {}) });
  }

  test('when users on different nodes talk over TLS, then names follow certificates on every node and messages cross', async (t) => {
    const mallory = await peer(t, b);
    assert.deepEqual(await mallory.request('login relay'), [NOT_AUTHORIZED]);
    const aliceOnA = await peer(t, a, alice);
    assert.deepEqual(await aliceOnA.request(['login bob', 'login alice']), [NOT_AUTHORIZED, OK]);
    const relayOnB = await peer(t, b, relay);
    assert.deepEqual(await relayOnB.request('login relay'), [OK]);
    // Held by a certificate on the other node: taken cluster-wide.
    assert.deepEqual(await mallory.request(['login alice', 'login mallory']), ['status 101 Username Taken', OK]);
    assert.deepEqual(await mallory.request(['send alice hi from b', 'send relay /join']), [OK, OK]);
    assert.deepEqual(await aliceOnA.frames(1), ['recv mallory hi from b']);
    assert.deepEqual(await relayOnB.frames(1), ['recv mallory /join']);
    assert.deepEqual(await aliceOnA.request('get contacts', 2), [OK, 'contacts alice mallory relay']);
  });
});
