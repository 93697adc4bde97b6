// The relay bot: group chat over 1:1 messages. Members send to the bot; the bot passes each
// message on to every other online member as `<alice> text`.
// Run it: sup bot bots/relay.js   (options in the config file: { "members": ["alice", "bob"] })
import { definePlugin, isValidUsername, messageProblem } from 'sup';

/**
 * @typedef {object} RelayOptions
 * @property {string[]} members Always in the room (until they `/leave`), besides those who `/join`.
 */

// Store keys: who joined by command, and which configured members left by command.
const JOINED = 'joined';
const LEFT = 'left';

export default definePlugin({
  name: 'relay',

  /**
   * @param {unknown} raw
   * @returns {RelayOptions}
   */
  options(raw) {
    if (raw === undefined || raw === null) return { members: [] };
    if (typeof raw !== 'object' || Array.isArray(raw)) {
      throw new Error('relay options must be an object such as { "members": ["alice", "bob"] }');
    }
    const { members = [], ...unknown } = /** @type {Record<string, unknown>} */ (raw);
    const extra = Object.keys(unknown);
    if (extra.length > 0) throw new Error(`unknown relay option "${extra[0]}": the only option is "members"`);
    if (!Array.isArray(members) || !members.every((name) => typeof name === 'string' && isValidUsername(name))) {
      throw new Error('"members" must be a list of usernames, such as ["alice", "bob"]');
    }
    return { members: [...new Set(/** @type {string[]} */ (members))] };
  },

  setup(ctx) {
    const { store } = ctx;
    // A hand-edited or foreign file must stop the bot, not be read character by character.
    for (const key of [JOINED, LEFT]) {
      const value = store.get(key);
      if (value !== undefined && !(Array.isArray(value) && value.every((name) => typeof name === 'string' && isValidUsername(name)))) {
        throw new Error(
          `${store.file}: "${key}" must be a list of usernames such as ["alice", "bob"], got ${JSON.stringify(value)}; ` +
            'fix the file or remove the key, then start the bot again',
        );
      }
    }

    /** @returns {string[]} everyone in the room, sorted */
    const members = () => {
      const left = new Set(/** @type {string[]} */ (store.get(LEFT) ?? []));
      const joined = /** @type {string[]} */ (store.get(JOINED) ?? []);
      const all = new Set([...ctx.options.members.filter((name) => !left.has(name)), ...joined]);
      return [...all].sort();
    };

    /**
     * Reads, changes and writes a list in one synchronous step, so two senders handled at
     * the same time cannot lose each other's change.
     * @param {string} key
     * @param {(names: Set<string>) => void} change
     */
    const update = (key, change) => {
      const names = new Set(/** @type {string[]} */ (store.get(key) ?? []));
      change(names);
      return store.set(key, [...names].sort());
    };

    /**
     * Waits for a membership change already made in memory to reach the disk; false when the
     * write failed (the store logs why), so the reply can say the change will not survive a restart.
     * @param {Promise<unknown>[]} writes
     */
    const saved = async (writes) => (await Promise.allSettled(writes)).every((outcome) => outcome.status === 'fulfilled');

    const notSaved = ' But it was NOT saved (the bot could not write its state file), so it lasts only until the bot restarts.';

    /**
     * Sends `text` to each name at once (each recipient's messages still arrive in order).
     * @param {string[]} names
     * @param {string} text
     * @returns {Promise<{ offline: string[], failed: string[] }>}
     */
    const fanOut = async (names, text) => {
      const outcomes = await Promise.allSettled(names.map((name) => ctx.send(name, text)));
      /** @type {{ offline: string[], failed: string[] }} */
      const missed = { offline: [], failed: [] };
      outcomes.forEach((outcome, i) => {
        const name = /** @type {string} */ (names[i]);
        // 'held' means the loop guard stopped a repeat, which the log already shows.
        if (outcome.status === 'fulfilled') {
          if (outcome.value === 'offline') missed.offline.push(name);
        } else {
          missed.failed.push(name);
          ctx.log.warn('relay-failed', { to: name, error: outcome.reason });
        }
      });
      return missed;
    };

    /** @param {string[]} names */
    const list = (names) => (names.length === 0 ? 'nobody' : names.join(', '));

    /** @param {string[]} names */
    const and = (names) => (names.length === 1 ? String(names[0]) : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`);

    ctx.command({
      name: '/join',
      summary: 'Join the room: get every member\'s messages',
      examples: [{ send: '/join', from: 'alice', reply: /^You joined the room\. Members: .*alice/ }],
      run: async ({ from }) => {
        if (members().includes(from)) return `You are already in the room. Members: ${list(members())}.`;
        const ok = await saved([update(JOINED, (names) => names.add(from)), update(LEFT, (names) => names.delete(from))]);
        await fanOut(members().filter((name) => name !== from), `* ${from} joined`);
        return `You joined the room. Members: ${list(members())}.${ok ? '' : notSaved}`;
      },
    });

    ctx.command({
      name: '/leave',
      summary: 'Leave the room',
      examples: [{ send: '/leave', from: 'alice', reply: 'You left the room.' }],
      run: async ({ from }) => {
        if (!members().includes(from)) return 'You are not in the room.';
        const ok = await saved([
          update(JOINED, (names) => names.delete(from)),
          ctx.options.members.includes(from) ? update(LEFT, (names) => names.add(from)) : Promise.resolve(),
        ]);
        await fanOut(members(), `* ${from} left`);
        return `You left the room.${ok ? '' : notSaved}`;
      },
    });

    ctx.command({
      name: '/who',
      summary: 'List the members of the room',
      examples: [{ send: '/who', reply: /^Members: / }],
      run: () => `Members: ${list(members())}.`,
    });

    ctx.hear(/[^]*/, async (message) => {
      const { from, text } = message;
      const all = members();
      if (!all.includes(from)) {
        await message.reply('You are not in the room. Send /join to join, or help for the commands.');
        return;
      }
      const others = all.filter((name) => name !== from);
      if (others.length === 0) {
        await message.reply('Nobody else is in the room yet.');
        return;
      }
      const line = `<${from}> ${text}`;
      const longest = others.reduce((a, b) => (b.length > a.length ? b : a));
      const problem = messageProblem(longest, line);
      if (problem !== undefined) {
        await message.reply(`That could not be relayed: with your name in front, ${problem}.`);
        return;
      }
      const { offline, failed } = await fanOut(others, line);
      /** @type {string[]} */
      const notes = [];
      if (offline.length > 0) notes.push(`${and(offline)} ${offline.length === 1 ? 'is' : 'are'} offline`);
      if (failed.length > 0) notes.push(`sending to ${and(failed)} failed on the bot's side`);
      if (notes.length > 0) await message.reply(`Not delivered: ${notes.join('; ')}.`);
    });
  },
});
