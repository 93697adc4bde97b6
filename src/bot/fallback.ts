/** The command word nearest to what the user typed (edit distance, case-insensitive); undefined when there is none. */
export function closestWord(typed: string, words: readonly string[]): string | undefined {
  const wanted = typed.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const word of words) {
    const distance = editDistance(wanted, word.toLowerCase());
    if (distance < bestDistance) {
      best = word;
      bestDistance = distance;
    }
  }
  return best;
}

/**
 * The reply to a message that no command or `hear` handler took: it names the closest command
 * and `help`, so a user (or `sup send --reply`) always gets an answer.
 */
export function fallbackReply(text: string, words: readonly string[], helpWord: string): string {
  const typed = text.trim().split(/\s+/)[0] ?? '';
  const candidates = words.filter((word) => word.toLowerCase() !== helpWord.toLowerCase() && word !== '/help');
  const closest = typed === '' ? undefined : closestWord(typed, candidates);
  const shown = typed.length > 40 ? `${typed.slice(0, 40)}...` : typed;
  const start = typed === '' ? "Sorry, I didn't get that." : `Sorry, I don't know "${shown}".`;
  const hint = closest === undefined ? '' : ` The closest command is "${closest}".`;
  return `${start}${hint} Send "${helpWord}" for the list of commands.`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}
