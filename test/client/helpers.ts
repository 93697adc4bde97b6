import { setImmediate as nextTurn } from 'node:timers/promises';
import { SupClient, type SupClientState } from '../../src/client/sup-client.js';
import type { SupClientOptions } from '../../src/client/options.js';
import type { FakeClock } from '../helpers/fake-clock.js';
import type { Cleanup } from './fake-server.js';

/** Small delays, so reconnect tests take milliseconds; the watchdog is off unless a test wants it. */
export const FAST_RECONNECT = { initialDelayMs: 5, maxDelayMs: 40, stableAfterMs: 60_000 } as const;

export { closedPort, startServer as startSupServer } from '../helpers/server.js';

/** A client with test-friendly defaults, closed when the test ends. */
export function newClient(cleanup: Cleanup, options: SupClientOptions): SupClient {
  const client = new SupClient({ reconnect: FAST_RECONNECT, idleProbeMs: 0, ...options });
  cleanup.after(() => client.close());
  return client;
}

/**
 * Moves a fake clock on in small steps until `promise` settles, for waits whose deadline
 * moves with real I/O (each failed attempt restarts the offline clock); the test's timeout bounds it.
 */
export async function advanceUntilSettled(clock: FakeClock, promise: Promise<unknown>, stepMs = 5): Promise<void> {
  let settled = false;
  const mark = (): void => {
    settled = true;
  };
  promise.then(mark, mark);
  while (!settled) await clock.advance(stepMs);
}

/** Resolves with the first state (the current one included) that matches. */
export function stateReached(
  client: SupClient,
  matches: (state: SupClientState) => boolean,
): Promise<SupClientState> {
  if (matches(client.state)) return Promise.resolve(client.state);
  return new Promise((resolve) => {
    const onState = (state: SupClientState): void => {
      if (!matches(state)) return;
      client.off('state', onState);
      resolve(state);
    };
    client.on('state', onState);
  });
}

/** Every state the client goes through from now on, in order. */
export function recordStates(client: SupClient): SupClientState[] {
  const states: SupClientState[] = [];
  client.on('state', (state) => states.push(state));
  return states;
}

/** Counts of the sockets and timers this process holds, once pending closes have run. */
export async function liveHandles(): Promise<{ sockets: number; timers: number }> {
  await nextTurn();
  await nextTurn();
  const resources = process.getActiveResourcesInfo();
  return {
    sockets: resources.filter((name) => name === 'TCPSocketWrap' || name === 'TCPWrap').length,
    timers: resources.filter((name) => name === 'Timeout').length,
  };
}

/** Resolves once `condition` holds, checking once per event-loop turn (for state with no event to await). */
export async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await nextTurn();
}

/** Settles every promise and reports each outcome, in order. */
export async function outcomes<T>(promises: Array<Promise<T>>): Promise<Array<{ ok: true; value: T } | { ok: false; error: Error }>> {
  const settled = await Promise.allSettled(promises);
  return settled.map((result) =>
    result.status === 'fulfilled' ? { ok: true, value: result.value } : { ok: false, error: result.reason as Error },
  );
}
