// The echo bot: replies to every message with the same text.
// Run it: sup bot bots/echo.js   (it needs only the public plugin API, no build step)
import { definePlugin } from 'sup';

export default definePlugin({
  name: 'echo',
  setup(ctx) {
    // The runtime never hands a plugin the bot's own messages, so echo cannot answer itself;
    // commands (such as `help`) are answered by their own handlers, not echoed.
    ctx.hear(/[^]*/, async (message) => {
      await message.reply(message.text);
    });
  },
});
