/** Benchmark settings, read from the environment (names as in undici's benchmarks: settings come from env). */
export interface BenchSettings {
  /** Suites to run (`BENCH_SUITE` or `--suite`, comma-separated); empty = all. */
  suites: string[];
  /** Measured time per client per round, in milliseconds (`BENCH_DURATION_MS`). */
  durationMs: number;
  /** Unmeasured load before each measurement (fresh sockets, warm JIT), in milliseconds (`BENCH_WARMUP_MS`). */
  warmupMs: number;
  /** Interleaved rounds; figures are their medians (`BENCH_ROUNDS`). */
  rounds: number;
  /** Connections per client (`BENCH_CONNECTIONS`). */
  connections: number;
  /** Requests kept in flight by the load loops (`BENCH_INFLIGHT`). */
  inFlight: number;
  /** Upper bound on requests per measurement, whatever the duration (`BENCH_MAX_REQUESTS`). */
  maxRequests: number;
  /** Distinct origins for the idle-actor heap figure (`BENCH_ORIGINS`). */
  origins: number;
  /** Row filter (`BENCH_ONLY`): comma-separated, case-insensitive substrings of `table label`; empty = all rows. */
  only: string[];
  /** Pin client and target server to different cores with `taskset` (`BENCH_PIN`, 1/0). */
  pin: boolean;
  /** Rewrite the suite's section of docs/benchmarks.md (`BENCH_WRITE`, 1/0; default: 1 unless `BENCH_ONLY` is set). */
  write: boolean;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

type Env = Record<string, string | undefined>;

/** An integer setting from `min` to `max` (`_` separators allowed); unset or blank → `fallback`. Suites read theirs with it too. */
export function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw new SettingsError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`);
  }
  return value;
}

function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new SettingsError(`${name} must be 1 or 0, got ${JSON.stringify(env[name])}`);
}

function list(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '' && s !== 'all');
}

/**
 * Settings from the environment; `suiteArg` (`--suite`) wins over `BENCH_SUITE`. A bad value
 * throws a SettingsError naming the variable. The defaults keep a full run near 3 minutes.
 */
export function readSettings(env: Env = process.env, suiteArg?: string): BenchSettings {
  const durationMs = integer(env, 'BENCH_DURATION_MS', 1_000, 10, 600_000);
  const only = list(env['BENCH_ONLY']).map((s) => s.toLowerCase());
  return {
    suites: list(suiteArg ?? env['BENCH_SUITE']),
    durationMs,
    warmupMs: integer(env, 'BENCH_WARMUP_MS', Math.min(300, Math.ceil(durationMs / 4)), 0, 600_000),
    rounds: integer(env, 'BENCH_ROUNDS', 8, 1, 1_000),
    connections: integer(env, 'BENCH_CONNECTIONS', 50, 1, 10_000),
    inFlight: integer(env, 'BENCH_INFLIGHT', 100, 1, 100_000),
    maxRequests: integer(env, 'BENCH_MAX_REQUESTS', 1_000_000, 1, 1_000_000_000),
    origins: integer(env, 'BENCH_ORIGINS', 2_000, 1, 10_000),
    only,
    pin: flag(env, 'BENCH_PIN', true),
    write: flag(env, 'BENCH_WRITE', only.length === 0),
  };
}

/** The `BENCH_ONLY` test: any term is a substring of the text (case-insensitive). */
export function selects(settings: Pick<BenchSettings, 'only'>, text: string): boolean {
  if (settings.only.length === 0) return true;
  const lower = text.toLowerCase();
  return settings.only.some((term) => lower.includes(term));
}
