import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchRow, Verdict } from '../suite.ts';
import type { MachineInfo } from './machine.ts';

/**
 * Every round's raw figures of one suite run, as JSON: `docs/bench-data/<suite>.json`. The
 * markdown tables print medians and ratios; this file keeps what they were computed from, so
 * anyone can recheck a ratio (of medians, or per round) without running the suite again.
 */
export interface RawSuiteData {
  suite: string;
  machine: MachineInfo;
  settings: string;
  rows: Array<Pick<BenchRow, 'table' | 'label' | 'unit' | 'value' | 'rounds' | 'series'>>;
  verdicts: Verdict[];
}

export function rawSuiteData(suite: string, machine: MachineInfo, settings: string, rows: readonly BenchRow[], verdicts: readonly Verdict[]): RawSuiteData {
  return {
    suite,
    machine,
    settings,
    rows: rows.map(({ table, label, unit, value, rounds, series }) => ({ table, label, unit, value, rounds, ...(series ? { series } : {}) })),
    verdicts: [...verdicts],
  };
}

/** Write the suite's raw data beside docs/benchmarks.md (temp file + rename: never half a file). */
export async function writeRawData(dir: string, data: RawSuiteData): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, `${data.suite}.json`);
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`);
  await rename(temp, file);
  return file;
}
