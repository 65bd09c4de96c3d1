/** Median of a non-empty list (mean of the middle two for an even count); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Median of the round-by-round ratios `a[i] / b[i]`: both figures of a pair were measured in
 * the same interleaved round, so a slow spell of the shared machine hits both.
 */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  const ratios: number[] = [];
  for (let i = 0; i < n; i++) if (b[i]! > 0) ratios.push(a[i]! / b[i]!);
  return median(ratios);
}

/**
 * A comparison as two figures anyone can recheck from the printed numbers: the median of the
 * per-round ratios (robust against a slow spell of the machine) and the plain ratio of the two
 * medians (what a reader computes from the table). They differ when rounds are uneven; the
 * report prints both, and a target counts as met only when both meet it.
 */
export interface Ratio {
  readonly perRound: number;
  readonly ofMedians: number;
}

export function ratio(a: readonly number[], b: readonly number[]): Ratio {
  const mb = median(b);
  return { perRound: pairedRatio(a, b), ofMedians: mb > 0 ? median(a) / mb : Number.NaN };
}

/** `0.93 (0.90)`: the median of per-round ratios, then the ratio of medians; `–` when unknown. */
export function showRatio(r: Ratio | null | undefined): string {
  if (!r || !Number.isFinite(r.perRound)) return '–';
  const ofMedians = Number.isFinite(r.ofMedians) ? r.ofMedians.toFixed(2) : '–';
  return `${r.perRound.toFixed(2)} (${ofMedians})`;
}

/** The smaller of the two figures: what a target is judged on. */
export function lowerRatio(r: Ratio): number {
  return Math.min(r.perRound, r.ofMedians);
}
