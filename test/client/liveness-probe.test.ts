import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createIdleProbe } from '../../src/client/liveness-probe.js';
import { FakeClock } from '../helpers/fake-clock.js';

function watch(idleProbeMs: number, probeTimeoutMs: number) {
  const clock = new FakeClock();
  const log = { probes: 0, dead: [] as number[], written: 0 };
  const probe = createIdleProbe({
    clock,
    idleProbeMs,
    probeTimeoutMs,
    written: () => log.written,
    send: () => {
      log.probes++;
      log.written++;
    },
    dead: (quietMs) => log.dead.push(quietMs),
  });
  return { clock, log, probe };
}

test('when the connection is quiet for idleProbeMs, then one probe goes out', async () => {
  const { clock, log, probe } = watch(100, 50);
  probe.start();
  await clock.advance(99);
  assert.equal(log.probes, 0);
  await clock.advance(1);
  assert.equal(log.probes, 1);
  probe.stop();
});

test('when bytes keep arriving and the client keeps writing, then no probe is needed', async () => {
  const { clock, log, probe } = watch(100, 50);
  probe.start();
  for (let i = 0; i < 5; i++) {
    await clock.advance(60);
    probe.heard();
    log.written++;
  }
  assert.equal(log.probes, 0);
  probe.stop();
});

test('when bytes keep arriving but the client writes nothing, then it still probes, so the server never sees it idle', async () => {
  const { clock, log, probe } = watch(100, 50);
  probe.start();
  for (let i = 0; i < 10; i++) {
    await clock.advance(30);
    probe.heard();
    probe.answered();
  }
  // 300 ms of listening only: a probe at least every two idle periods, never a dead verdict.
  assert.ok(log.probes >= 1, `probes: ${log.probes}`);
  assert.deepEqual(log.dead, []);
  probe.stop();
});

test('when the probe is answered, then the peer is alive and probing starts over', async () => {
  const { clock, log, probe } = watch(100, 50);
  probe.start();
  await clock.advance(100);
  probe.heard();
  probe.answered();
  await clock.advance(99);
  assert.deepEqual(log, { probes: 1, dead: [], written: 1 });
  await clock.advance(1);
  assert.equal(log.probes, 2);
  probe.stop();
});

test('when nothing comes back within probeTimeoutMs of the probe, then the peer is dead, quiet since it was last heard', async () => {
  const { clock, log, probe } = watch(100, 50);
  probe.start();
  await clock.advance(149);
  assert.deepEqual(log.dead, []);
  await clock.advance(1);
  assert.deepEqual(log.dead, [150]);
});

test('when stopped, or when idleProbeMs is 0, then no timer is left waiting', async () => {
  const stopped = watch(100, 50);
  stopped.probe.start();
  stopped.probe.stop();
  await stopped.clock.advance(1_000);
  assert.deepEqual(stopped.log, { probes: 0, dead: [], written: 0 });
  assert.equal(stopped.clock.pending, 0);

  const off = watch(0, 50);
  off.probe.start();
  assert.equal(off.clock.pending, 0);
});
