/** Summary of one series of timings. */
export interface Summary {
  runs: number;
  min: number;
  median: number;
  p95: number;
}

export function summarize(values: readonly number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? NaN;
  return { runs: sorted.length, min: sorted[0] ?? NaN, median: at(0.5), p95: at(0.95) };
}
