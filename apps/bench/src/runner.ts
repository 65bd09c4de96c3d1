import { selects, type BenchSettings } from './settings.ts';
import type { BenchContext, BenchRow, Suite, Verdict } from './suite.ts';
import { collectGarbage } from './system/gc.ts';

export interface SuiteOutcome {
  suite: Suite;
  rows: BenchRow[];
  verdicts: Verdict[];
}

export interface RunOptions {
  settings: BenchSettings;
  /** Core for target server processes, or null. */
  serverCore: number | null;
  log?: (line: string) => void;
}

/** The context a suite runs with. */
export function createContext(options: RunOptions): BenchContext {
  return {
    settings: options.settings,
    selects: (text) => selects(options.settings, text),
    log: options.log ?? (() => {}),
    serverCore: options.serverCore,
    collectGarbage: () => collectGarbage(2),
  };
}

/** Run one suite and check its targets. */
export async function runSuite(suite: Suite, options: RunOptions): Promise<SuiteOutcome> {
  const rows = await suite.run(createContext(options));
  return { suite, rows, verdicts: suite.verdicts?.(rows) ?? [] };
}
