import { DEFAULT_MAX_FRAME_BYTES } from './constants.js';
import { describeChar, indexOfForbiddenChar } from './frame-bytes.js';

/**
 * Why a chat message cannot travel as `send <to> <text>`, in words a user can act on;
 * undefined when it can. Checked before sending, so a bad message never reaches the wire.
 */
export function messageProblem(
  to: string,
  text: string,
  maxFrameBytes: number = DEFAULT_MAX_FRAME_BYTES,
): string | undefined {
  if (text.length === 0) return 'the message is empty: give some text to send';
  const forbidden = indexOfForbiddenChar(text);
  if (forbidden !== -1) {
    return (
      `the message holds ${describeChar(text, forbidden)} at character ${forbidden + 1}, ` +
      'which the Sup protocol cannot carry: use printable ASCII, TAB, LF or CR only'
    );
  }
  const frameBytes = 'send '.length + to.length + 1 + text.length;
  if (frameBytes > maxFrameBytes) {
    return `the message is too long: it makes a ${frameBytes}-byte frame and the limit is ${maxFrameBytes} bytes`;
  }
  return undefined;
}
