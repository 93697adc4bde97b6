import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { RecordingLogger } from '../bot/helpers/recording-logger.js';
import { RawPeer } from '../helpers/raw-peer.js';
import { loggedIn, startServer } from '../helpers/server.js';

const OK = 'status 000 OK';
const NOT_ONLINE = 'status 104 Messaged User Not Online';
const SECRET = 'the-launch-code-is-1234';

/** The value of one sample line of Prometheus text, e.g. `sup_logins_refused_total{status="101"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('server metrics and log', { timeout: 30_000 }, () => {
  test('when real traffic went through, then /metrics counts it, with the process metrics, and /healthz answers 200', async (t) => {
    const logger = new RecordingLogger();
    const { port, server } = await startServer(t, { metrics: { host: '127.0.0.1', port: 0 }, maxOutputBytes: 64 * 1024, logger });
    const metrics = server.metricsAddress!;
    assert.ok(metrics.port > 0);
    assert.equal(logger.events('metrics-listening')[0]?.fields.port, metrics.port);

    const alice = await loggedIn(port, t, 'alice');
    const bob = await loggedIn(port, t, 'bob');
    assert.deepEqual(await alice.request([`send bob ${SECRET}`, `send bob ${SECRET}`, `send carol ${SECRET}`]), [OK, OK, NOT_ONLINE]);
    const stranger = await RawPeer.connect(port, t);
    assert.deepEqual(await stranger.request(['login alice', 'login bad!name', 'get contacts', 'nonsense']), [
      'status 101 Username Taken',
      'status 102 Username Invalid',
      'status 105 Not Logged In',
      'status 100 Malformed Message',
    ]);
    assert.deepEqual(await alice.request('login alice'), ['status 106 Already Logged In']);

    // A receiver that never reads is closed as a slow consumer.
    bob.socket.pause();
    const message = 'm'.repeat(8 * 1024);
    let statuses: string[] = [];
    for (let sent = 0; sent < 64 * 1024 * 1024 && !statuses.includes(NOT_ONLINE); sent += 64 * message.length) {
      statuses = await alice.request(Array.from({ length: 64 }, () => `send bob ${message}`));
    }
    assert.ok(statuses.includes(NOT_ONLINE), 'bob was never closed as a slow consumer');
    const delivered = 2 + statuses.filter((s) => s === OK).length;
    const offline = 1 + statuses.filter((s) => s === NOT_ONLINE).length;

    const response = await fetch(`http://127.0.0.1:${metrics.port}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await response.text();
    assert.equal(sample(text, 'sup_connections'), 2, 'alice and the stranger');
    assert.equal(sample(text, 'sup_users_online'), 1);
    assert.equal(sample(text, 'sup_messages_delivered_total'), delivered);
    assert.equal(sample(text, 'sup_sends_offline_total'), offline);
    assert.equal(sample(text, 'sup_slow_consumer_disconnects_total'), 1);
    assert.equal(sample(text, 'sup_logins_refused_total{status="101"}'), 1);
    assert.equal(sample(text, 'sup_logins_refused_total{status="102"}'), 1);
    assert.equal(sample(text, 'sup_logins_refused_total{status="106"}'), 1);
    assert.equal(sample(text, 'sup_logins_refused_total{status="109"}'), 0);
    assert.equal(sample(text, 'sup_frames_rejected_total{status="100"}'), 1);
    assert.equal(sample(text, 'sup_frames_rejected_total{status="105"}'), 1);
    assert.equal(sample(text, 'sup_frames_rejected_total{status="107"}'), 0);
    assert.match(text, /^# TYPE sup_messages_delivered_total counter$/m);
    assert.match(text, /^# TYPE sup_connections gauge$/m);
    assert.ok((sample(text, 'process_cpu_user_seconds_total') ?? -1) >= 0, 'process metrics are there');
    assert.ok((sample(text, 'nodejs_heap_size_used_bytes') ?? 0) > 0, 'node metrics are there');

    const health = await fetch(`http://127.0.0.1:${metrics.port}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(await health.text(), 'ok\n');
    assert.equal((await fetch(`http://127.0.0.1:${metrics.port}/other`)).status, 404);

    const [slow] = logger.events('slow-consumer-closed');
    assert.equal(slow?.fields.user, 'bob');
    assert.equal(slow?.fields.address, '127.0.0.1');
    assert.equal(slow?.level, 'warn');
    assert.equal(JSON.stringify(logger.entries).includes(SECRET), false, 'message text is never logged');
    assert.equal(JSON.stringify(logger.entries).includes('mmmm'), false, 'message text is never logged');

    await server.close();
    assert.equal(logger.events('shutdown').length, 1);
    await assert.rejects(fetch(`http://127.0.0.1:${metrics.port}/healthz`), 'the endpoint stops with the server');
  });

  test('when the metrics port is taken, then listen() fails naming it and the server does not stay bound', async (t) => {
    const { server: first } = await startServer(t, { metrics: { port: 0 } });
    const taken = first.metricsAddress!.port;
    const { SupServer } = await import('../../src/server/sup-server.js');
    const second = new SupServer({ port: 0, metrics: { port: taken } });
    t.after(() => second.close());
    await assert.rejects(second.listen(), new RegExp(`cannot serve metrics on 127\\.0\\.0\\.1:${taken}: the port is already in use`));
    assert.equal(second.accepting, false);
  });

  test('when the server binds a non-loopback address without TLS, then it logs one warning; on loopback none', async (t) => {
    const logger = new RecordingLogger();
    await startServer(t, { host: '0.0.0.0', logger });
    const warnings = logger.entries.filter((entry) => entry.level === 'warn');
    assert.deepEqual(warnings.map((w) => [w.event, w.fields.host]), [['plaintext-on-network', '0.0.0.0']]);
    assert.match(String(warnings[0]!.fields.advice), /--tls-cert/);
    const quiet = new RecordingLogger();
    await startServer(t, { logger: quiet });
    assert.deepEqual(quiet.events('plaintext-on-network'), []);
    assert.deepEqual(quiet.events('listening')[0]?.fields.tls, false);
  });
});
