/**
 * Time as the client and the bot runtime see it, injected so deadlines, probes, backoff, rate
 * limits and timeouts can be tested with a fake clock instead of real waiting.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale (only differences matter). */
  now(): number;
  /** Resolves after `ms`, or as soon as `signal` aborts (it never rejects). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

// setTimeout fires at once for anything longer than this, so waits are cut to it (callers re-check on waking).
const MAX_TIMER_MS = 2_147_483_647;

/** The real clock: monotonic, so a wall-clock jump never bunches or stalls messages. */
export const systemClock: Clock = {
  now: () => performance.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) {
        resolve();
        return;
      }
      const done = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS));
      signal?.addEventListener('abort', done, { once: true });
    }),
};

/** Cancels a timer started with `startTimer`; cancelling twice, or after it fired, does nothing. */
export type CancelTimer = () => void;

/** Calls `fire` once `ms` have passed on `clock`, unless the returned function cancels it first. */
export function startTimer(clock: Clock, ms: number, fire: () => void): CancelTimer {
  const abort = new AbortController();
  void clock.sleep(ms, abort.signal).then(() => {
    if (!abort.signal.aborted) fire();
  });
  return () => abort.abort();
}
