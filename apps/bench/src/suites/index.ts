import type { Suite } from '../suite.ts';
import { dashboardSuite } from './dashboard.ts';
import { downloadsSuite } from './downloads.ts';
import { fleetSchedulerSuite } from './fleet-scheduler.ts';
import { httpClientsSuite } from './http-clients.ts';
import { originActorSuite } from './origin-actor.ts';
import { queueE2eSuite } from './queue-e2e.ts';
import { schedulerSuite } from './scheduler.ts';

/**
 * Every suite, in run order. Add a suite by writing `suites/<name>.ts` (exporting a `Suite`)
 * and listing it here; its section in docs/benchmarks.md is created on its first run.
 */
export const suites: readonly Suite[] = [httpClientsSuite, originActorSuite, fleetSchedulerSuite, dashboardSuite, schedulerSuite, queueE2eSuite, downloadsSuite];

/** The suites named (all when none are), or an error naming the unknown ones. */
export function pickSuites(names: readonly string[]): Suite[] {
  if (names.length === 0) return [...suites];
  const unknown = names.filter((n) => !suites.some((s) => s.name === n));
  if (unknown.length > 0) {
    throw new Error(`unknown suite ${unknown.map((n) => JSON.stringify(n)).join(', ')}; known: ${suites.map((s) => s.name).join(', ')}`);
  }
  return suites.filter((s) => names.includes(s.name));
}
