/**
 * The contended row of the queue-e2e suite (issue 16): the fleet limit on, 200 origins with a limit
 * of 2 each, jobs interleaved across them (job i goes to origin i mod 200). The single-origin rows
 * hide what the limit's Lua scripts cost: there a finished job's lease lingers with its worker and
 * the next job to the same origin takes it without Redis. Here the next job almost never shares
 * the last one's origin, so nearly every job runs `acquireSlot` and `releaseLease` — the Redis
 * CPU per job a fleet of many origins pays, the figure docs/scaling.md builds on.
 */
import type { RequestJob } from '@courier/queue';

export const CONTENDED_ORIGINS = 200;
export const CONTENDED_LIMIT = 2;
export const CONTENDED = `courier worker, fleet limit on, ${CONTENDED_ORIGINS} origins × limit ${CONTENDED_LIMIT}, interleaved`;

/** One job per origin, in origin order: the bench fills the queue cycling through them. */
export function contendedJobs(ports: readonly number[], path: string): RequestJob[] {
  if (ports.length < CONTENDED_ORIGINS) throw new Error(`the contended row needs ${CONTENDED_ORIGINS} target ports, got ${ports.length}`);
  return ports.slice(0, CONTENDED_ORIGINS).map((port) => ({ kind: 'request', url: `http://127.0.0.1:${port}${path}` }));
}

export const contendedMethod = [
  `- *${CONTENDED}*: the same worker with \`COURIER_ORIGIN_CONCURRENCY=${CONTENDED_LIMIT}\`, and the jobs spread over`,
  `  ${CONTENDED_ORIGINS} origins (${CONTENDED_ORIGINS} more ports of the target), job i to origin i mod ${CONTENDED_ORIGINS}: consecutive jobs`,
  '  hardly ever share an origin, so a lingering slot is rarely reused and nearly every job takes and gives back its',
  '  slot through the Lua scripts (the fleet-limit row of the commands table shows how many per job). It is left',
  '  out of the profiled rounds.',
];
