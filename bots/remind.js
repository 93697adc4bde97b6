// The remind bot: "remind me in 10m to stretch", "remind me at 09:00 to stand up",
// "reminders", "forget 2". Reminders are kept in the store, so they survive a restart; one
// that came due while the bot was down is delivered once when it is back.
// Run it: sup bot bots/remind.js   (options: { "timezone": "Europe/Berlin", "max": 20 })
import { Cron } from 'croner';
import { definePlugin, messageProblem } from 'sup';

/**
 * @typedef {object} RemindOptions
 * @property {string} timezone The zone "at 09:00" and the listed times are in (IANA name).
 * @property {number} max Reminders one user may have waiting.
 */

/**
 * @typedef {object} Reminder
 * @property {string} id
 * @property {number} due When it is due, ms since the epoch.
 * @property {string} text What to remind of.
 * @property {number} [retryAt] When to try again after the user was offline.
 */

const UNITS = /** @type {const} */ ({ s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 });
const MAX_AHEAD_MS = 366 * UNITS.d;
// A reminder whose user is offline is tried again each minute for a day, then dropped (and logged).
const RETRY_MS = UNITS.m;
const GIVE_UP_MS = UNITS.d;
const REMIND = /^me\s+(?:in\s+(?<amount>\d{1,6})\s*(?<unit>s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?)|at\s+(?<hour>[01]?\d|2[0-3]):(?<minute>[0-5]\d))\s+to\s+(?<what>\S[^]*)$/i;

export default definePlugin({
  name: 'remind',

  /**
   * @param {unknown} raw
   * @returns {RemindOptions}
   */
  options(raw) {
    const { timezone = Intl.DateTimeFormat().resolvedOptions().timeZone, max = 20, ...unknown } =
      /** @type {Record<string, unknown>} */ (raw ?? {});
    const extra = Object.keys(unknown);
    if (extra.length > 0) throw new Error(`unknown remind option "${extra[0]}": the options are "timezone" and "max"`);
    if (typeof timezone !== 'string' || !isTimeZone(timezone)) {
      throw new Error(`"timezone" must be an IANA time zone such as "Europe/Berlin", got ${JSON.stringify(timezone)}`);
    }
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) throw new Error('"max" must be a whole number of at least 1');
    return { timezone, max };
  },

  setup(ctx) {
    const { store } = ctx;
    const { timezone, max } = ctx.options;

    /** @param {string} user @returns {Reminder[]} the user's reminders, soonest first */
    const remindersOf = (user) => /** @type {Reminder[]} */ (store.get(user) ?? []).sort((a, b) => a.due - b.due);

    /**
     * Reads, changes and writes one user's list in one synchronous step, so the delivery job
     * and a command never lose each other's change.
     * @param {string} user
     * @param {(list: Reminder[]) => Reminder[]} change
     */
    const update = (user, change) => {
      const next = change(remindersOf(user));
      return next.length === 0 ? store.delete(user) : store.set(user, next);
    };

    /** @param {number} ms */
    const when = (ms) => `${formatTime(ms, timezone)} (${timezone})`;

    ctx.command({
      name: 'remind',
      summary: 'Set a reminder',
      usage: 'me in <10m|2h|1d> to <what> | me at <HH:MM> to <what>',
      pattern: REMIND,
      examples: [
        { send: 'remind me in 10m to stretch', reply: /^OK, I will remind you at .+ to stretch\.$/ },
        { send: 'remind me at 09:00 to stand up', reply: /^OK, I will remind you at .+ 09:00 .+ to stand up\.$/ },
        { send: 'remind me tomorrow', reply: /^Usage: remind me in / },
      ],
      run: async ({ from, match }) => {
        const groups = match?.groups ?? {};
        const now = ctx.now().getTime();
        let due;
        if (groups.amount !== undefined) {
          const unit = /** @type {keyof typeof UNITS} */ ((groups.unit ?? 's')[0]?.toLowerCase());
          const ms = Number(groups.amount) * UNITS[unit];
          if (ms < 1_000) return 'Give a time of at least 1s, such as "remind me in 10m to stretch".';
          if (ms > MAX_AHEAD_MS) return 'I can remind you at most a year ahead.';
          due = now + ms;
        } else {
          const daily = new Cron(`${Number(groups.minute)} ${Number(groups.hour)} * * *`, { timezone });
          due = /** @type {Date} */ (daily.nextRun(new Date(now))).getTime();
        }
        const what = String(groups.what).trim();
        const problem = messageProblem(from, `Reminder: ${what}`);
        if (problem !== undefined) return `I could not send that back to you: ${problem}.`;
        if (remindersOf(from).length >= max) return `You already have ${max} reminders; send "forget <number>" first.`;
        await update(from, (list) => [...list, { id: globalThis.crypto.randomUUID(), due, text: what }]);
        return `OK, I will remind you at ${when(due)} to ${what}.`;
      },
    });

    ctx.command({
      name: 'reminders',
      summary: 'List your reminders',
      examples: [{ send: 'reminders', from: 'dave', reply: 'You have no reminders.' }],
      run: ({ from }) => {
        const list = remindersOf(from);
        if (list.length === 0) return 'You have no reminders.';
        return list.map((r, i) => `${i + 1}. ${formatTime(r.due, timezone)} ${r.text}`).join('\n');
      },
    });

    ctx.command({
      name: 'forget',
      summary: 'Delete one of your reminders by its number in "reminders"',
      usage: '<number>',
      examples: [{ send: 'forget 1', from: 'dave', reply: 'You have no reminder 1; send "reminders" to see them.' }],
      run: async ({ from, argv }) => {
        const list = remindersOf(from);
        const index = /^\d+$/.test(argv[0] ?? '') ? Number(argv[0]) - 1 : -1;
        const target = list[index];
        if (target === undefined) return `You have no reminder ${argv[0]}; send "reminders" to see them.`;
        await update(from, (current) => current.filter((r) => r.id !== target.id));
        return `Forgotten: ${target.text}.`;
      },
    });

    // Checks each second: a restart loses nothing (the store is the schedule), and a reminder
    // that came due while the bot was down goes out on the first check after it is back.
    ctx.every(
      1_000,
      async () => {
        const now = ctx.now().getTime();
        for (const user of store.keys()) {
          for (const reminder of remindersOf(user)) {
            if ((reminder.retryAt ?? reminder.due) > now) continue;
            // A rejected send is logged by the runtime; it is retried like an offline user.
            const outcome = await ctx.send(user, `Reminder: ${reminder.text}`).catch(() => 'failed');
            if (outcome === 'delivered') {
              await update(user, (list) => list.filter((r) => r.id !== reminder.id));
            } else if (now - reminder.due >= GIVE_UP_MS) {
              ctx.log.warn('reminder-dropped', { to: user, text: reminder.text, reason: `${user} stayed offline for a day` });
              await update(user, (list) => list.filter((r) => r.id !== reminder.id));
            } else {
              await update(user, (list) => list.map((r) => (r.id === reminder.id ? { ...r, retryAt: now + RETRY_MS } : r)));
            }
          }
        }
      },
      { name: 'deliver-due' },
    );
  },
});

/** @param {string} zone */
function isTimeZone(zone) {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/**
 * `YYYY-MM-DD HH:MM` in the given zone.
 * @param {number} ms
 * @param {string} timeZone
 */
function formatTime(ms, timeZone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    })
      .formatToParts(new Date(ms))
      .map((part) => [part.type, part.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}
