/** The p-th percentile of `values` (nearest rank; NaN for none). Sorts a copy. */
export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** "p50 … ms, p95 … ms (n=…)", how the benchmark tables give a latency. */
export function summary(values: readonly number[]): string {
  return `p50 ${percentile(values, 50).toFixed(1)} ms, p95 ${percentile(values, 95).toFixed(1)} ms (n=${values.length})`;
}
