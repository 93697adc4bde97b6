import { exampleInput, statelessRegExp } from '../bot/commands.js';
import type { CommandExample } from '../bot/plugin.js';
import type { BotCommand } from '../bot/runtime.js';
import type { ScriptedUser } from './scripted-user.js';

/** One command example, runnable as a test. */
export interface ExampleCase {
  plugin: string;
  command: string;
  example: CommandExample;
  /** `<command>: <input>`, for a test name. */
  title: string;
  /** Sends the example and checks the replies; throws if they differ or the bot logs an error. */
  run(): Promise<void>;
}

/** What running an example needs of the test bot. */
export interface ExampleBot {
  readonly username: string;
  readonly runtime: { readonly commands: readonly BotCommand[] };
  user(name: string): ScriptedUser;
  idle(): Promise<void>;
}

/** Every command example of every plugin, in registration order, each runnable as a test. */
export function commandExamples(bot: ExampleBot): ExampleCase[] {
  return bot.runtime.commands.flatMap((command) =>
    (command.spec.examples ?? []).map((example) => {
      const input = exampleInput(example);
      return {
        plugin: command.plugin,
        command: command.spec.name,
        example,
        title: `${command.spec.name}: ${input}`,
        run: () => runExample(bot, command, example),
      };
    }),
  );
}

/** Runs every example in order; throws one error listing all that failed. */
export async function runExampleCases(examples: readonly ExampleCase[]): Promise<void> {
  const failures: string[] = [];
  for (const example of examples) {
    try {
      await example.run();
    } catch (error) {
      failures.push((error as Error).message);
    }
  }
  if (failures.length > 0) throw new Error(`${failures.length} command example(s) failed:\n${failures.join('\n')}`);
}

async function runExample(bot: ExampleBot, command: BotCommand, example: CommandExample): Promise<void> {
  const input = exampleInput(example);
  const from = typeof example === 'string' ? 'alice' : (example.from ?? 'alice');
  const user = bot.user(from);
  await user.online();
  await bot.idle();
  user.take();
  await user.send(input);
  await bot.idle();
  if (typeof example === 'string' || example.reply === undefined) return;
  const replies = user
    .take()
    .filter((message) => message.from === bot.username)
    .map((message) => message.text);
  const expected: ReadonlyArray<string | RegExp> = Array.isArray(example.reply) ? example.reply : [example.reply as string | RegExp];
  const matches =
    replies.length === expected.length &&
    expected.every((want, i) => (typeof want === 'string' ? replies[i] === want : statelessRegExp(want).test(replies[i]!)));
  if (!matches) {
    throw new Error(
      `example ${JSON.stringify(input)} of command "${command.spec.name}" (plugin ${command.plugin}) from ${from}: ` +
        `expected ${describeReplies(expected)}, got ${describeReplies(replies)}`,
    );
  }
}

function describeReplies(replies: ReadonlyArray<string | RegExp>): string {
  if (replies.length === 0) return 'no reply';
  return `[${replies.map((reply) => (typeof reply === 'string' ? JSON.stringify(reply) : String(reply))).join(', ')}]`;
}
