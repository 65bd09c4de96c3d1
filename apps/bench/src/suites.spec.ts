import { describe, expect, it } from 'vitest';
import { runSuite } from './runner.ts';
import { suites } from './suites/index.ts';
import { tinySettings } from './testing/tiny-settings.ts';

// Smoke tests: each suite's machinery end to end (target process, clients, rows, targets) with a
// tiny duration. No timing assertions: only that every row carries a real measurement.
const tiny = tinySettings;

describe('bench suites', () => {
  it('http-clients measures every client at both body sizes', async () => {
    const suite = suites.find((s) => s.name === 'http-clients')!;
    const { rows, verdicts } = await runSuite(suite, { settings: tiny, serverCore: null });
    expect(rows.map((r) => `${r.table} ${r.label}`)).toEqual(
      ['64 B body', '64 KiB body'].flatMap((t) => ['courier', 'undici.request', 'undici.fetch', 'got', 'axios', 'node:http'].map((c) => `${t} ${c}`)),
    );
    for (const row of rows) {
      expect(row.unit).toBe('req/s');
      expect(row.rounds).toHaveLength(1);
      expect(row.value).toBeGreaterThan(0);
      expect(row.columns['× undici.request']).toMatch(/^\d+\.\d\d \(\d+\.\d\d\)$/);
    }
    expect(verdicts).toHaveLength(6);
    // Issue 14: the direct path at or above 1.3× undici.request on small bodies.
    expect(verdicts.map((v) => v.target)).toContain('courier ≥ 1.30× undici.request (64 B body)');
    for (const v of verdicts) expect(v.met).not.toBeNull();
  });

  it('http-clients honours the BENCH_ONLY row filter', async () => {
    const suite = suites.find((s) => s.name === 'http-clients')!;
    const { rows, verdicts } = await runSuite(suite, { settings: { ...tiny, only: ['64 b body courier'] }, serverCore: null });
    expect(rows.map((r) => `${r.table} ${r.label}`)).toEqual(['64 B body courier']);
    expect(verdicts.every((v) => v.met === null)).toBe(true);
  });

  it('origin-actor measures xstate costs and the heap of idle origin actors', async () => {
    const suite = suites.find((s) => s.name === 'origin-actor')!;
    const { rows, verdicts } = await runSuite(suite, { settings: tiny, serverCore: null });
    const xstate = rows.filter((r) => r.unit.startsWith('µs/'));
    const heap = rows.filter((r) => r.unit === 'B/actor');
    expect(xstate).toHaveLength(3);
    for (const row of xstate) expect(row.value).toBeGreaterThan(0);
    expect(heap).toHaveLength(2);
    // Heap deltas over 20 actors are real numbers; their size is the benchmark's business, not the test's.
    for (const row of heap) expect(Number.isFinite(row.value)).toBe(true);
    expect(verdicts.map((v) => v.target)).toEqual(['≤ 16 KiB heap per idle origin actor with its socket children', '≤ 8 KiB heap per idle origin actor']);
    for (const v of verdicts) expect(v.met).not.toBeNull();
  });
});
