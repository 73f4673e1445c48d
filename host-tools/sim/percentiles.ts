// Percentiles of a list of durations as the simulation's summary gives them: the value at rank
// floor(fraction * n) of the sorted list (no interpolation, so each figure is one measured value).
export type Percentiles = { p50: number | null; p95: number | null; max: number | null };

export function percentiles(values: number[]): Percentiles {
  const sorted = [...values].sort((left, right) => left - right);
  const at = (fraction: number) => (sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]);
  return { p50: at(0.5), p95: at(0.95), max: sorted.length === 0 ? null : sorted[sorted.length - 1] };
}
