import { describe, expect, it } from 'vitest';
import { readSettings, selects, SettingsError } from './settings.ts';

describe('bench settings', () => {
  it('has defaults for a full run and writes docs only without a row filter', () => {
    const s = readSettings({});
    expect(s).toMatchObject({ connections: 50, inFlight: 100, suites: [], only: [], pin: true, write: true });
    expect(readSettings({ BENCH_ONLY: 'courier' }).write).toBe(false);
    expect(readSettings({ BENCH_ONLY: 'courier', BENCH_WRITE: '1' }).write).toBe(true);
  });

  it('reads values, and --suite wins over BENCH_SUITE', () => {
    const s = readSettings({ BENCH_DURATION_MS: '1_500', BENCH_ROUNDS: '3', BENCH_SUITE: 'a,b' }, 'c');
    expect(s).toMatchObject({ durationMs: 1500, rounds: 3, suites: ['c'] });
    expect(readSettings({ BENCH_SUITE: 'a, b' }).suites).toEqual(['a', 'b']);
  });

  it('refuses a bad value, naming the variable', () => {
    expect(() => readSettings({ BENCH_ROUNDS: '0' })).toThrow(SettingsError);
    expect(() => readSettings({ BENCH_CONNECTIONS: 'many' })).toThrow(/BENCH_CONNECTIONS/);
    expect(() => readSettings({ BENCH_PIN: 'maybe' })).toThrow(/BENCH_PIN/);
  });

  it('filters rows by case-insensitive terms', () => {
    const s = readSettings({ BENCH_ONLY: 'Courier, 64 KiB' });
    expect(selects(s, '64 B body courier')).toBe(true);
    expect(selects(s, '64 KiB body got')).toBe(true);
    expect(selects(s, '64 B body got')).toBe(false);
  });
});
