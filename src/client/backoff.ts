/** The shape of a reconnect delay: capped exponential growth. */
export interface BackoffOptions {
  /** The ceiling for the first attempt. */
  initialDelayMs: number;
  /** No delay ever exceeds this. */
  maxDelayMs: number;
  /** How much the ceiling grows per attempt. @default 2 */
  multiplier?: number;
}

/**
 * How long to wait before reconnect attempt `attempt` (1 for the first retry): "full jitter",
 * a uniform draw from [0, min(max, initial * multiplier^(attempt-1))), so clients cut off
 * together do not all come back in the same instant. Pure: `random` is handed in.
 */
export function backoffDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  return Math.floor(random() * backoffCeiling(attempt, options));
}

/** The upper bound of `backoffDelay` for this attempt. */
export function backoffCeiling(attempt: number, options: BackoffOptions): number {
  const multiplier = options.multiplier ?? 2;
  const steps = Math.max(0, Math.floor(attempt) - 1);
  // Overflow to Infinity is fine: the cap takes over.
  return Math.min(options.maxDelayMs, options.initialDelayMs * multiplier ** steps);
}

// A full server asks for room: wait as if this were three attempts later.
const SERVER_FULL_EXTRA_STEPS = 3;

/**
 * The delay after `201 Server Full`: the ceiling of a later attempt, and at least half of it
 * ("equal jitter"), so a crowd turned away never rushes back at once.
 */
export function serverFullDelay(attempt: number, options: BackoffOptions, random: () => number = Math.random): number {
  const ceiling = backoffCeiling(attempt + SERVER_FULL_EXTRA_STEPS, options);
  return Math.floor(ceiling / 2 + random() * (ceiling / 2));
}
