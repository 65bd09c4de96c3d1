import { describe, expect, it } from 'vitest';
import { planWaves, waveOf } from './wave-plan.ts';
import { dstProblem } from '../schemas/download-dst.ts';

describe('planWaves', () => {
  it('cuts devices at cumulative fractions, rounding each boundary up', () => {
    expect(planWaves([0.01, 0.1, 1], 1000).map((w) => [w.start, w.end])).toEqual([
      [0, 10],
      [10, 100],
      [100, 1000],
    ]);
    expect(planWaves([0.01, 0.1, 1], 50).map((w) => [w.start, w.end])).toEqual([
      [0, 1],
      [1, 5],
      [5, 50],
    ]);
  });

  it('ignores float noise (7 % of 100 is 7 devices) and drops waves that would be empty', () => {
    expect(planWaves([0.07, 1], 100).map((w) => w.end)).toEqual([7, 100]);
    expect(planWaves([0.01, 0.02, 1], 10).map((w) => [w.fraction, w.start, w.end])).toEqual([
      [0.01, 0, 1],
      [1, 1, 10],
    ]);
    expect(planWaves([0.5, 1], 1)).toEqual([{ fraction: 0.5, start: 0, end: 1 }]);
  });

  it('finds the wave of a device index', () => {
    const waves = planWaves([0.01, 0.1, 1], 1000);
    expect([0, 9, 10, 99, 100, 999].map((i) => waveOf(waves, i))).toEqual([0, 0, 1, 1, 2, 2]);
  });
});

describe('dstProblem', () => {
  it('takes relative file paths and refuses obvious escapes', () => {
    expect(dstProblem('fleet/dev-1/fw.bin', undefined)).toBeNull();
    expect(dstProblem('a/../../b', undefined)).toMatch(/'\.\.'/);
    expect(dstProblem('a\\..\\b', undefined)).toMatch(/'\.\.'/);
    expect(dstProblem('/abs/fw.bin', undefined)).toMatch(/COURIER_DOWNLOAD_ROOT/);
    expect(dstProblem('C:\\fw.bin', '/srv')).toMatch(/relative/);
    expect(dstProblem('/srv/dl/a/fw.bin', '/srv/dl')).toBeNull();
    expect(dstProblem('/srv/dlx/fw.bin', '/srv/dl')).toMatch(/inside/);
    expect(dstProblem('/srv/dl', '/srv/dl')).toMatch(/inside/);
    expect(dstProblem('dir/', undefined)).toMatch(/file/);
    expect(dstProblem('.', undefined)).toMatch(/file/);
  });
});
