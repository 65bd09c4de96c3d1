import type { WavePlan } from './campaign-types.ts';

/**
 * Cuts `deviceCount` devices (in the order given) into waves at cumulative fractions: with
 * 1,000 devices, `[0.01, 0.1, 1]` gives devices 0–9, 10–99 and 100–999. A wave boundary is
 * rounded up (1 % of 50 devices is 1 device, not 0), and a fraction that adds no device (1 % and
 * 2 % of 10 devices) yields no wave: every wave has at least one device. Fractions must be
 * increasing and end at 1 (the schema checks that first).
 */
export function planWaves(fractions: readonly number[], deviceCount: number): WavePlan[] {
  const waves: WavePlan[] = [];
  let start = 0;
  for (const fraction of fractions) {
    // Round away float noise first: 0.07 × 100 is 7.000000000000001, which must stay 7.
    const end = Math.min(deviceCount, Math.ceil(Math.round(fraction * deviceCount * 1e6) / 1e6));
    if (end <= start) continue;
    waves.push({ fraction, start, end });
    start = end;
  }
  return waves;
}

/** The wave a device index belongs to (waves cover 0 … deviceCount − 1 in order). */
export function waveOf(waves: readonly WavePlan[], index: number): number {
  let lo = 0;
  let hi = waves.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (index < waves[mid]!.end) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}
