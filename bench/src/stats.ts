/** Summary of one series of timings. */
export interface Summary {
  runs: number;
  min: number;
  median: number;
  p95: number;
}

/** The value at quantile `q` (0..1) of an ascending array: the smallest value with at least q of them at or below it. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  return { runs: sorted.length, min: sorted[0] ?? NaN, median: quantile(sorted, 0.5), p95: quantile(sorted, 0.95) };
}

/** Latency as load tests report it. */
export interface Percentiles {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export function percentiles(values: ArrayLike<number>): Percentiles {
  const sorted = Float64Array.from(values).sort();
  return { count: sorted.length, p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99), max: sorted[sorted.length - 1] ?? NaN };
}
