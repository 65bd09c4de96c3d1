import type { BenchSettings } from '../settings.ts';

/** Settings for smoke tests: each suite's machinery end to end, tiny and bounded, nothing written. */
export const tinySettings: BenchSettings = {
  suites: [],
  durationMs: 40,
  warmupMs: 10,
  rounds: 1,
  connections: 4,
  inFlight: 8,
  maxRequests: 10_000,
  origins: 20,
  only: [],
  pin: false,
  write: false,
};
