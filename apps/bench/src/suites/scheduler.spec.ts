import { describe, expect, it } from 'vitest';
import { runSuite } from '../runner.ts';
import { schedulerSuite } from './scheduler.ts';
import { tinySettings } from '../testing/tiny-settings.ts';

// Smoke test: the suite's machinery end to end with a tiny duration. No timing assertions; the
// idle window's pass count is a behaviour (a sleeping run() makes no passes), not a timing.
const tiny = tinySettings;

describe('scheduler bench suite', () => {
  it('measures the resume cost, the facade against the direct client, and an idle run()', async () => {
    const { rows, verdicts } = await runSuite(schedulerSuite, { settings: tiny, serverCore: null });
    const tables = [...new Set(rows.map((r) => r.table))];
    expect(tables).toHaveLength(4);
    const resume = rows.find((r) => r.unit === 'ns/resume')!;
    expect(resume.value).toBeGreaterThan(0);
    const requests = rows.filter((r) => r.unit === 'req/s');
    expect(requests.map((r) => r.label.split(':')[0])).toEqual(['facade', 'direct', 'facade', 'direct']);
    for (const row of requests) {
      expect(row.value).toBeGreaterThan(0);
      expect(row.columns['× direct']).toMatch(/^\d+\.\d\d \(\d+\.\d\d\)$/);
    }
    const idle = rows.find((r) => r.unit === 'µs CPU per window')!;
    expect(idle.series?.['passes']).toEqual([0]);
    expect(idle.series?.['resumes']).toEqual([0]);
    expect(idle.columns['waiting coroutines']).toBe('100');
    expect(verdicts).toHaveLength(4);
    for (const v of verdicts) expect(v.met).not.toBeNull();
  });

  it('honours the BENCH_ONLY row filter', async () => {
    const { rows } = await runSuite(schedulerSuite, { settings: { ...tiny, only: ['4 origins direct'] }, serverCore: null });
    expect(rows.map((r) => r.label)).toEqual(['direct: client.request + bytes()']);
  });
});
