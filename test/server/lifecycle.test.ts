import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { describe, test } from 'node:test';
import { ServerListenError, ServerOptionError, SupServerError } from '../../src/server/errors.js';
import { SERVER_DEFAULTS } from '../../src/server/options.js';
import { SupServer } from '../../src/server/sup-server.js';
import { RawPeer } from '../helpers/raw-peer.js';
import { loggedIn, startServer } from './start-server.js';

const options = { timeout: 10_000 };

function refused(port: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code));
  });
}

const activeTimers = (): number => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('SupServer lifecycle', options, () => {
  test('when no options are given, then the documented defaults apply', () => {
    const server = new SupServer();
    assert.equal(server.options.host, '127.0.0.1');
    assert.equal(server.options.port, 7877);
    assert.equal(server.options.maxFrameBytes, 16_384);
    assert.equal(server.options.maxConnections, 10_000);
    assert.equal(server.options.loginTimeoutMs, 10_000);
    assert.equal(server.options.maxOutputBytes, 8 * 1024 * 1024);
    assert.deepEqual(server.options, SERVER_DEFAULTS);
  });

  test('when an option is out of range, then the constructor throws ServerOptionError naming it', () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ port: 99_999 }, 'port'],
      [{ port: -1 }, 'port'],
      [{ port: 1.5 }, 'port'],
      [{ maxConnections: 0 }, 'maxConnections'],
      [{ maxFrameBytes: 10 }, 'maxFrameBytes'],
      [{ loginTimeoutMs: 0 }, 'loginTimeoutMs'],
      [{ maxOutputBytes: Number.NaN }, 'maxOutputBytes'],
      [{ host: '' }, 'host'],
    ];
    for (const [bad, option] of cases) {
      assert.throws(
        () => new SupServer(bad),
        (error: unknown) => {
          assert.ok(error instanceof ServerOptionError);
          assert.ok(error instanceof SupServerError);
          assert.equal(error.code, 'SUP_INVALID_SERVER_OPTION');
          assert.equal(error.option, option);
          assert.match(error.message, new RegExp(`^${option} must be`));
          return true;
        },
        JSON.stringify(bad),
      );
    }
  });

  test('when listen() resolves, then it gives the bound address with the real port', async (t) => {
    const { server, port } = await startServer(t);
    assert.ok(port > 0);
    assert.deepEqual(server.address, { address: '127.0.0.1', family: 'IPv4', port });
  });

  test('when the port is taken, then listen() rejects with ServerListenError SUP_LISTEN_FAILED and the cause', async (t) => {
    const { port } = await startServer(t);
    const second = new SupServer({ port });
    t.after(() => second.close());
    await assert.rejects(second.listen(), (error: unknown) => {
      assert.ok(error instanceof ServerListenError);
      assert.equal(error.code, 'SUP_LISTEN_FAILED');
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'EADDRINUSE');
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}.*already in use`));
      return true;
    });
    await second.close();
  });

  test('when close() is called, then every connection is closed, names released, timers cleared and new connections refused', async (t) => {
    const timersBefore = activeTimers();
    const { server, port } = await startServer(t, { maxConnections: 3 });
    const alice = await loggedIn(port, t, 'alice');
    const bob = await loggedIn(port, t, 'bob');
    const anonymous = await RawPeer.connect(port, t);
    assert.deepEqual(await anonymous.request('contact bob'), ['status 105 Not Logged In']);
    const refusedPeer = await RawPeer.connect(port, t);
    // A refused connection lingers briefly; close() must not wait on its timer nor leave it.
    assert.deepEqual(await refusedPeer.frames(1), ['status 201 Server Full']);
    assert.deepEqual(server.stats, { connections: 3, online: 2, unsentOutputBytes: 0 });

    const closing = server.close();
    assert.equal(server.close(), closing, 'a second close() returns the same promise');
    await closing;
    assert.deepEqual(server.stats, { connections: 0, online: 0, unsentOutputBytes: 0 });
    assert.equal(server.address, undefined);
    await Promise.all([alice.closed, bob.closed, anonymous.closed, refusedPeer.closed]);
    assert.equal(await refused(port), 'ECONNREFUSED');
    // The anonymous connection's login timer would otherwise keep the process alive for 10 s.
    assert.equal(activeTimers(), timersBefore);
  });

  test('when close() is called on a server that never listened, then it resolves', async () => {
    await new SupServer({ port: 0 }).close();
  });

  test('when a client connects and closes without a word, then the server forgets it and stays up', async (t) => {
    const { port } = await startServer(t);
    for (let i = 0; i < 20; i++) {
      const peer = await RawPeer.connect(port, t);
      peer.write(i % 2 === 0 ? 'login half' : 'x');
      peer.destroy();
    }
    const alice = await loggedIn(port, t, 'alice');
    assert.deepEqual(await alice.request('contact alice'), ['status 001 Online']);
  });
});
