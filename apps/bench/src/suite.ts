import type { BenchSettings } from './settings.ts';

/**
 * One measured figure. Rows that share `table` are printed together; `rounds` holds the figure
 * of every interleaved round in round order, so a suite can pair rounds of two rows (ratios
 * taken within one round are less exposed to the drift of a shared machine).
 */
export interface BenchRow {
  /** Heading of the table the row belongs to, e.g. `64 B body`. */
  table: string;
  /** What was measured, e.g. `courier` or `undici.request`. */
  label: string;
  /** The headline figure: the median of `rounds` (or the single measurement). */
  value: number;
  /** Unit of `value`: `req/s`, `B/actor`, `µs/event`, … */
  unit: string;
  /** The figure of each round, in round order. */
  rounds: number[];
  /** Extra columns, already formatted (`× undici.request` → `0.93`). */
  columns: Record<string, string>;
  /** Other per-round figures a suite wants to pair later (e.g. `cpuMicrosPerRequest`), in round order. */
  series?: Record<string, number[]>;
}

/** A target from the issue, checked against the rows. */
export interface Verdict {
  /** The target as stated, e.g. `courier ≥ 0.90× undici.request (64 B)`. */
  target: string;
  /** What was measured, formatted (`0.93×`). */
  measured: string;
  /** Whether the target is met; null when the rows needed were filtered out. */
  met: boolean | null;
}

/** What a suite gets to run with. */
export interface BenchContext {
  readonly settings: BenchSettings;
  /** The `BENCH_ONLY` filter: true when a row with this `table label` text should be measured. */
  selects(text: string): boolean;
  /** Progress output (one line per measurement). */
  log(line: string): void;
  /** Core to pin the target server process to with `taskset`, or null to leave it unpinned. */
  readonly serverCore: number | null;
  /** Full garbage collection (the runner exposes `gc`), so one measurement's garbage is not billed to the next. */
  collectGarbage(): Promise<void>;
}

/** A benchmark suite: `apps/bench/src/suites/<name>.ts`, listed in `suites/index.ts`. */
export interface Suite {
  /** Selector for `--suite` / `BENCH_SUITE`, and the id of its section in docs/benchmarks.md. */
  readonly name: string;
  /** Section heading in docs/benchmarks.md. */
  readonly title: string;
  /** How it measures (markdown), printed above its tables in docs/benchmarks.md. */
  readonly method: string;
  run(ctx: BenchContext): Promise<BenchRow[]>;
  /** The targets checked against the rows (optional). */
  verdicts?(rows: readonly BenchRow[]): Verdict[];
}
