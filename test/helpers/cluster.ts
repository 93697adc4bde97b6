import assert from 'node:assert/strict';
import { connect, createServer, type AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { joinCluster, type NatsCluster } from '../../src/server/cluster/nats-cluster.js';
import type { SupServerOptions } from '../../src/server/options.js';
import { SupServer } from '../../src/server/sup-server.js';
import { RawPeer, type Cleanup } from './raw-peer.js';

const RETRY_MS = 50;

export interface ClusterNode {
  server: SupServer;
  cluster: NatsCluster;
  port: number;
}

/** A cluster node in this process on any free port, joined to NATS at `url`; left when the test ends. */
export async function startNode(cleanup: Cleanup, url: string, options: SupServerOptions = {}, name = 'test'): Promise<ClusterNode> {
  const cluster = await joinCluster({ servers: [url], name, logger: options.logger });
  // Every test client comes from 127.0.0.1, some tests with hundreds: no per-address limit unless asked.
  const server = new SupServer({ port: 0, maxConnectionsPerIp: 0, ...options, cluster });
  cleanup.after(async () => {
    await server.close();
    await cluster.close();
  });
  const { port } = await server.listen();
  return { server, cluster, port };
}

/** Logs `name` in through `port`, retrying while it is refused (101: still held; 200: the node is rejoining its broker). */
export async function loginWhenPossible(port: number, cleanup: Cleanup, name: string): Promise<RawPeer> {
  for (;;) {
    const peer = await RawPeer.connect(port, cleanup).catch(() => undefined);
    const answer = peer === undefined ? 'no connection' : (await peer.request(`login ${name}`).catch(() => ['closed']))[0];
    if (answer === 'status 000 OK') return peer!;
    assert.match(answer!, /^(status 101 Username Taken|status 200 Internal Error|closed|no connection)$/, `login ${name}`);
    peer?.destroy();
    // A name held by a node being found gone, or a node rejoining: check again shortly.
    await delay(RETRY_MS);
  }
}

let spreadClusters = 0;

/**
 * Two nodes of a fresh cluster behind one port: connections alternate between them, so a
 * test written for one server runs with its users spread across two. `server` is the first node.
 */
export async function startSpreadCluster(cleanup: Cleanup, url: string, options: SupServerOptions = {}): Promise<{ server: SupServer; port: number }> {
  const name = `spread${process.pid}x${++spreadClusters}`;
  const first = await startNode(cleanup, url, options, name);
  const second = await startNode(cleanup, url, options, name);
  const ports = [first.port, second.port];
  let next = 0;
  const front = createServer({ allowHalfOpen: true }, (client) => {
    const node = connect({ port: ports[next++ % 2]!, host: '127.0.0.1', allowHalfOpen: true });
    client.pipe(node).on('error', () => client.destroy());
    node.pipe(client).on('error', () => node.destroy());
    client.on('error', () => node.destroy());
    node.on('error', () => client.destroy());
    client.on('close', () => node.destroy());
    node.on('close', () => client.destroy());
  });
  cleanup.after(() => new Promise((resolve) => front.close(resolve)));
  await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
  return { server: first.server, port: (front.address() as AddressInfo).port };
}
