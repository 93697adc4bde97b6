import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CLIENT_DEFAULTS } from '../../src/client/options.js';
import type { SupClientState } from '../../src/client/sup-client.js';
import { SERVER_DEFAULTS } from '../../src/server/options.js';
import { newClient } from '../client/helpers.js';
import { RawPeer } from '../helpers/raw-peer.js';
import { loggedIn, startServer } from './start-server.js';

const options = { timeout: 20_000 };
const IDLE_MS = 200;

/** Runs `step` again and again, `pauseMs` apart; the returned stop waits for the step in progress (and fails with it). */
function repeat(step: () => Promise<void>, pauseMs: number): () => Promise<void> {
  let going = true;
  const loop = (async () => {
    while (going) {
      await step();
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  })();
  return async () => {
    going = false;
    await loop;
  };
}

/** Each silent peer is reaped after at least one timeout: three in a row measure three timeouts without a clock. */
async function outlastThreeSilentPeers(port: number, t: Parameters<typeof loggedIn>[1]): Promise<void> {
  for (const name of ['quiet1', 'quiet2', 'quiet3']) {
    const quiet = await loggedIn(port, t, name);
    await quiet.closed;
  }
}

describe('SupServer idle timeout', options, () => {
  test('when a logged-in connection sends nothing for idleTimeoutMs, then it is closed and its name is free again', async (t) => {
    const { server, port } = await startServer(t, { idleTimeoutMs: IDLE_MS });
    const vanished = await loggedIn(port, t, 'alice');
    // A peer that vanished without a FIN: it never sends again, and the server must notice by itself.
    assert.deepEqual(await vanished.rest(), { frames: [], trailing: '' });
    assert.equal(server.stats.online, 0);
    await loggedIn(port, t, 'alice');
  });

  test('when a connection keeps sending, then it outlives silent ones by many timeouts', async (t) => {
    const { port } = await startServer(t, { idleTimeoutMs: IDLE_MS });
    const active = await loggedIn(port, t, 'active');
    const stopPinging = repeat(async () => {
      assert.deepEqual(await active.request('contact active'), ['status 001 Online']);
    }, IDLE_MS / 8);
    await outlastThreeSilentPeers(port, t);
    await stopPinging();
    assert.equal(active.isClosed, false);
  });

  test("when SupClient's idle probe runs well inside the server's idle timeout, then the client is never cut off", async (t) => {
    const { port } = await startServer(t, { idleTimeoutMs: IDLE_MS });
    // A probe goes out at most idleProbeMs + probeTimeoutMs after the last frame received.
    const client = newClient(t, { port, username: 'probing', idleProbeMs: IDLE_MS / 8, probeTimeoutMs: IDLE_MS / 8 });
    const states: SupClientState['type'][] = [];
    client.on('state', (state: SupClientState) => states.push(state.type));
    await client.connect();
    await outlastThreeSilentPeers(port, t);
    assert.equal(client.state.type, 'online');
    assert.deepEqual(states.filter((s) => s !== 'online' && s !== 'connecting'), [], `states: ${states.join(', ')}`);
  });

  test('when a SupClient only receives (a steady stream of messages, nothing sent), then its probe still keeps it online', async (t) => {
    const { port } = await startServer(t, { idleTimeoutMs: IDLE_MS });
    const client = newClient(t, { port, username: 'listener', idleProbeMs: IDLE_MS / 4, probeTimeoutMs: IDLE_MS / 4 });
    const states: SupClientState['type'][] = [];
    client.on('state', (state: SupClientState) => states.push(state.type));
    await client.connect();
    const talker = await loggedIn(port, t, 'talker');
    const stopTalking = repeat(async () => {
      assert.deepEqual(await talker.request('send listener tick'), ['status 000 OK']);
    }, IDLE_MS / 10);
    // Heard all the time, it never probes for liveness; it must still speak before the server's timeout.
    await outlastThreeSilentPeers(port, t);
    await stopTalking();
    assert.equal(client.state.type, 'online');
    assert.deepEqual(states.filter((s) => s !== 'online' && s !== 'connecting'), [], `states: ${states.join(', ')}`);
  });

  test('when a connection has not logged in, then the login timeout, not the idle timeout, closes it', async (t) => {
    const { port } = await startServer(t, { idleTimeoutMs: IDLE_MS, loginTimeoutMs: 60_000 });
    const anonymous = await RawPeer.connect(port, t);
    const quiet = await loggedIn(port, t, 'quiet');
    await quiet.closed;
    assert.equal(anonymous.isClosed, false);
    assert.deepEqual(await anonymous.request('contact quiet'), ['status 105 Not Logged In']);
  });

  test('when idleTimeoutMs is 0, then logged-in connections are never reaped', async (t) => {
    const { port: reaping } = await startServer(t, { idleTimeoutMs: IDLE_MS });
    const { port } = await startServer(t, { idleTimeoutMs: 0 });
    const kept = await loggedIn(port, t, 'kept');
    for (const name of ['quiet1', 'quiet2']) await (await loggedIn(reaping, t, name)).closed;
    assert.equal(kept.isClosed, false);
  });

  test("when the defaults apply, then SupClient probes a quiet connection well inside the server's idle timeout", () => {
    assert.equal(SERVER_DEFAULTS.idleTimeoutMs, 300_000);
    // Probes go out at most idleProbeMs + probeTimeoutMs apart; several fit in one timeout, so one lost probe costs nothing.
    assert.ok(4 * (CLIENT_DEFAULTS.idleProbeMs + CLIENT_DEFAULTS.probeTimeoutMs) < SERVER_DEFAULTS.idleTimeoutMs);
  });
});
