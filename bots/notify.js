// The notify bot: the outside world into chat over HTTP. CI jobs and monitoring reach people
// without a shell:
//   curl -d 'build 42 is green' http://127.0.0.1:8080/notify/alice     -> 202 queued, 404 offline
// and Alertmanager's webhook (each alert becomes one line). Needs the bot's HTTP listener:
// Run it: sup bot bots/notify.js --http 127.0.0.1:8080   (options: { "secret": "..." })
import { timingSafeEqual, createHash } from 'node:crypto';
import { definePlugin, isValidUsername, messageProblem } from 'sup';

/**
 * @typedef {object} NotifyOptions
 * @property {string | undefined} secret When set, requests must carry it in `X-Sup-Secret` or `Authorization: Bearer`.
 * @property {string} path Where the route lives: `<path>/<user>`.
 */

export default definePlugin({
  name: 'notify',

  /**
   * @param {unknown} raw
   * @returns {NotifyOptions}
   */
  options(raw) {
    const { secret, path = '/notify', ...unknown } = /** @type {Record<string, unknown>} */ (raw ?? {});
    const extra = Object.keys(unknown);
    if (extra.length > 0) throw new Error(`unknown notify option "${extra[0]}": the options are "secret" and "path"`);
    if (secret !== undefined && (typeof secret !== 'string' || secret.length === 0)) throw new Error('"secret" must be a non-empty string');
    if (typeof path !== 'string' || !/^(\/[\w.-]+)+$/.test(path)) throw new Error('"path" must be a path such as "/notify"');
    return { secret, path };
  },

  setup(ctx) {
    const { secret, path } = ctx.options;

    ctx.http.post(`${path}/:user`, async (request) => {
      if (secret !== undefined && !authorized(request.headers, secret)) {
        return { status: 401, body: 'missing or wrong secret: send it as "X-Sup-Secret: <secret>" or "Authorization: Bearer <secret>"\n' };
      }
      const user = request.params.user ?? '';
      if (!isValidUsername(user)) return { status: 400, body: `"${user}" is not a valid username\n` };
      const text = messageFrom(request.body);
      if (text === undefined) {
        return { status: 400, body: 'send the message as a text body, as JSON {"text": "..."}, or an Alertmanager webhook payload\n' };
      }
      const problem = messageProblem(user, text);
      if (problem !== undefined) return { status: 400, body: `the message cannot be sent: ${problem}\n` };
      const outcome = await ctx.send(user, text);
      if (outcome === 'delivered') return { status: 202, body: 'queued\n' };
      if (outcome === 'offline') return { status: 404, body: `${user} is offline\n` };
      return { status: 429, body: 'held back: the same text went to this user too often just now\n' };
    });
  },
});

/**
 * @param {Readonly<Record<string, string | string[] | undefined>>} headers
 * @param {string} secret
 */
function authorized(headers, secret) {
  const bearer = /^Bearer\s+(.+)$/i.exec(String(headers.authorization ?? ''))?.[1];
  const given = String(headers['x-sup-secret'] ?? bearer ?? '');
  // Hashing first gives equal lengths, which timingSafeEqual needs.
  const digest = (/** @type {string} */ value) => createHash('sha256').update(value).digest();
  return given !== '' && timingSafeEqual(digest(given), digest(secret));
}

/**
 * The chat text for a request body: text as sent (less one trailing newline), `{"text"}`, or
 * one line per alert of an Alertmanager payload; undefined for anything else.
 * @param {unknown} body
 */
function messageFrom(body) {
  if (typeof body === 'string') return body.replace(/\r?\n$/, '') || undefined;
  if (body === null || typeof body !== 'object') return undefined;
  const { text, alerts } = /** @type {{ text?: unknown, alerts?: unknown }} */ (body);
  if (typeof text === 'string' && text !== '') return text;
  if (Array.isArray(alerts) && alerts.length > 0) return alerts.map(alertLine).join('\n');
  return undefined;
}

/**
 * `[FIRING] HighLatency (severity=page, instance=web-1): p99 above 2s`, one line, printable ASCII.
 * @param {unknown} alert
 */
function alertLine(alert) {
  const { status = 'firing', labels = {}, annotations = {} } = /** @type {Record<string, any>} */ (alert ?? {});
  const { alertname = 'alert', ...rest } = /** @type {Record<string, unknown>} */ (labels);
  const details = ['severity', 'instance', 'job'].filter((key) => rest[key] !== undefined).map((key) => `${key}=${rest[key]}`);
  const about = annotations.summary ?? annotations.description ?? '';
  const line = `[${String(status).toUpperCase()}] ${alertname}${details.length > 0 ? ` (${details.join(', ')})` : ''}${about === '' ? '' : `: ${about}`}`;
  // One line per alert, and only what the protocol can carry.
  return line.replace(/\s+/g, ' ').replace(/[^\x20-\x7e]/g, '?');
}
