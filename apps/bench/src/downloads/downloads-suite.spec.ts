import { describe, expect, it, onTestFinished } from 'vitest';
import { runSuite } from '../runner.ts';
import { downloadsSuite } from '../suites/downloads.ts';
import { readDownloadSettings, formatSize } from './settings.ts';
import { tinySettings } from '../testing/tiny-settings.ts';

// Smoke test: the whole machinery (origin process, the bundled Courier and worker children, curl,
// curl + sha256sum + sync, curl | tee | sha256sum + sync, rows, targets) on a 4 MiB body. No timing assertions: only that every row
// carries a real measurement.
const tiny = tinySettings;

describe('downloads suite', () => {
  it('downloads a generated body with Courier, the worker, curl and curl with sha256sum and sync (in turn and piped) and checks every target', async () => {
    const before = process.env['BENCH_DOWNLOAD_BYTES'];
    process.env['BENCH_DOWNLOAD_BYTES'] = String(4 * 1024 * 1024);
    onTestFinished(() => {
      if (before === undefined) delete process.env['BENCH_DOWNLOAD_BYTES'];
      else process.env['BENCH_DOWNLOAD_BYTES'] = before;
    });
    const { rows, verdicts } = await runSuite(downloadsSuite, { settings: tiny, serverCore: null });
    expect(rows.map((r) => `${r.table} | ${r.label}`)).toEqual([
      '4 MiB body to disk | courier download()',
      '4 MiB body to disk | courier worker, download job',
      '4 MiB body to disk | curl -s -o',
      '4 MiB body to disk | curl -s -o + sha256sum + sync',
      '4 MiB body to disk | curl | tee | sha256sum + sync',
    ]);
    for (const row of rows) {
      expect(row.unit).toBe('MiB/s');
      expect(row.value).toBeGreaterThan(0);
      expect(row.columns['GETs/download']).toBe('1');
    }
    expect(rows[0]!.columns['peak RSS']).toMatch(/^\d+ MiB$/);
    expect(rows[1]!.columns['peak RSS']).toMatch(/^\d+ MiB$/);
    expect(rows[4]!.columns['× curl | tee | sha256sum + sync']).toMatch(/^1\.00 \(1\.00\)$/);
    expect(verdicts.map((v) => v.met === null)).toEqual([false, false, false, false, false]);
  }, 120_000);

  it('reads its settings from the environment, refusing bad values', () => {
    expect(readDownloadSettings({})).toEqual({ bytes: 1024 ** 3, budgetMs: 300_000 });
    expect(readDownloadSettings({ BENCH_DOWNLOAD_BYTES: '64_000_000' }).bytes).toBe(64_000_000);
    expect(() => readDownloadSettings({ BENCH_DOWNLOAD_BYTES: '0' })).toThrow(/BENCH_DOWNLOAD_BYTES/);
    expect(() => readDownloadSettings({ BENCH_DOWNLOAD_BUDGET_MS: 'soon' })).toThrow(/BENCH_DOWNLOAD_BUDGET_MS/);
    expect(formatSize(1024 ** 3)).toBe('1 GiB');
    expect(formatSize(64_000_000)).toBe('62500 KiB');
    expect(formatSize(1_000_001)).toBe('1000001 B');
  });
});
