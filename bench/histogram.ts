// Log-linear buckets (32 per octave, about 3% wide) so workers can record millions of
// latencies in fixed memory and the main thread can merge them by adding arrays.
const LINEAR_LIMIT = 64;
const SUB_BUCKETS = 32;
const BUCKETS = LINEAR_LIMIT + 26 * SUB_BUCKETS;

/** Latencies in microseconds, bucketed; `counts` is plain data so it crosses postMessage. */
export class LatencyHistogram {
  readonly counts: Float64Array;
  total = 0;

  constructor(counts?: Float64Array) {
    this.counts = counts ?? new Float64Array(BUCKETS);
    if (counts) this.total = counts.reduce((sum, n) => sum + n, 0);
  }

  /** Records `count` samples of `micros` at once (a batch acknowledged by one read). */
  record(micros: number, count = 1): void {
    this.counts[bucketOf(micros)]! += count;
    this.total += count;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
  }

  add(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i]! += other.counts[i]!;
    this.total += other.total;
  }

  /** The value (µs) below which `fraction` of the samples lie; NaN when empty. */
  percentile(fraction: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.ceil(fraction * this.total);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return bucketMiddle(i);
    }
    return bucketMiddle(BUCKETS - 1);
  }
}

function bucketOf(micros: number): number {
  if (!(micros >= 0)) return 0;
  if (micros < LINEAR_LIMIT) return Math.floor(micros);
  const value = Math.min(Math.floor(micros), 2 ** 31);
  const octave = 31 - Math.clz32(value);
  const shift = octave - 5;
  const mantissa = value >>> shift;
  return Math.min(LINEAR_LIMIT + (octave - 6) * SUB_BUCKETS + (mantissa - SUB_BUCKETS), BUCKETS - 1);
}

function bucketMiddle(index: number): number {
  if (index < LINEAR_LIMIT) return index + 0.5;
  const octave = Math.floor((index - LINEAR_LIMIT) / SUB_BUCKETS) + 6;
  const mantissa = ((index - LINEAR_LIMIT) % SUB_BUCKETS) + SUB_BUCKETS;
  const shift = octave - 5;
  return (mantissa + 0.5) * 2 ** shift;
}
