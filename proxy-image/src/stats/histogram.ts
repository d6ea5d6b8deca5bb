/**
 * A latency histogram in milliseconds. Quantiles come from fine log-spaced bins (5% wide,
 * close to Envoy's circllhist precision); Prometheus buckets are counted exactly against
 * Envoy's default bucket bounds. `interval` holds what was recorded since the last flush,
 * as Envoy's `P50(interval,cumulative)` text form reports both.
 */

/** Envoy's default histogram bucket bounds (ms). */
export const DEFAULT_BUCKETS: readonly number[] = [
  0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 30000, 60000, 300000, 600000, 1800000, 3600000,
];

/** The quantiles `/stats` prints, as Envoy's `supported_quantiles`. */
export const SUPPORTED_QUANTILES: readonly number[] = [0, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.995, 0.999, 1];

const MIN = 0.01;
const GROWTH = 1.05;
const LOG_GROWTH = Math.log(GROWTH);
const BINS = Math.ceil(Math.log(3_600_000 / MIN) / LOG_GROWTH) + 2;

/** Upper bound of fine bin `i` (bin 0 holds everything at or below MIN). */
function binUpper(i: number): number {
  return MIN * GROWTH ** i;
}

function binOf(v: number): number {
  if (v <= MIN) return 0;
  const i = Math.ceil(Math.log(v / MIN) / LOG_GROWTH);
  return i >= BINS ? BINS - 1 : i;
}

class Bins {
  readonly fine = new Uint32Array(BINS);
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  record(v: number): void {
    this.fine[binOf(v)]++;
    this.count++;
    this.sum += v;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  quantile(q: number): number {
    if (this.count === 0) return Number.NaN;
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    const target = q * this.count;
    let seen = 0;
    for (let i = 0; i < BINS; i++) {
      const n = this.fine[i];
      if (n === 0) continue;
      if (seen + n >= target) {
        const lo = i === 0 ? 0 : binUpper(i - 1);
        const hi = binUpper(i);
        const v = lo + ((target - seen) / n) * (hi - lo);
        return Math.min(Math.max(v, this.min), this.max);
      }
      seen += n;
    }
    return this.max;
  }
}

export class Histogram {
  private readonly cumulative = new Bins();
  private current = new Bins();
  private lastInterval: Bins | undefined;
  /** What was recorded since a stats sink last took it (only when a sink asked for it). */
  private sinkInterval: Bins | undefined;
  /** Counts per DEFAULT_BUCKETS bound (not cumulative); the last slot is +Inf. */
  readonly buckets = new Float64Array(DEFAULT_BUCKETS.length + 1);

  constructor(readonly name: string) {}

  record(ms: number): void {
    this.cumulative.record(ms);
    this.current.record(ms);
    this.sinkInterval?.record(ms);
    let b = 0;
    while (b < DEFAULT_BUCKETS.length && ms > DEFAULT_BUCKETS[b]) b++;
    this.buckets[b]++;
  }

  get count(): number {
    return this.cumulative.count;
  }

  get sum(): number {
    return this.cumulative.sum;
  }

  /** Closes the current interval (the stats flush). */
  flush(): void {
    this.lastInterval = this.current;
    this.current = new Bins();
  }

  quantile(q: number): number {
    return this.cumulative.quantile(q);
  }

  /** Starts keeping a separate interval for a stats sink, which its own timer takes. */
  trackSinkInterval(): void {
    this.sinkInterval ??= new Bins();
  }

  /** Count and quantiles since the last call, then starts a new sink interval. */
  takeSinkInterval(quantiles: readonly number[]): { count: number; values: number[] } {
    const bins = this.sinkInterval;
    if (!bins) return { count: 0, values: quantiles.map(() => Number.NaN) };
    this.sinkInterval = new Bins();
    return { count: bins.count, values: quantiles.map((q) => bins.quantile(q)) };
  }

  /** Quantile of the last closed interval: NaN before the first flush or when it was empty. */
  intervalQuantile(q: number): number {
    return this.lastInterval ? this.lastInterval.quantile(q) : Number.NaN;
  }
}
