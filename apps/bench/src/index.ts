export type { BenchContext, BenchRow, Suite, Verdict } from './suite.ts';
export { readSettings, selects, SettingsError, type BenchSettings } from './settings.ts';
export { createContext, runSuite, type RunOptions, type SuiteOutcome } from './runner.ts';
export { pickSuites, suites } from './suites/index.ts';
export { replaceSection, writeSection } from './report/docs-file.ts';
export { renderSection, renderText } from './report/render.ts';
export { runClosedLoop, type ClosedLoopOptions, type ClosedLoopResult } from './http/closed-loop.ts';
export { startTarget, type TargetProcess } from './target/target-process.ts';
export { lowerRatio, median, pairedRatio, ratio, showRatio, type Ratio } from './stats.ts';
