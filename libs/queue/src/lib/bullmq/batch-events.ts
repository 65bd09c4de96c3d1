/**
 * The grouped events of batch requests, handed on one per request. The batch scripts write one
 * stream entry for many requests (`courier:active-many` from claimBatchMembers,
 * `courier:completed-many` from finishBatchMembers): one entry per call instead of one per request
 * is a large part of what batch jobs save Redis. Listeners of BullMQ's `QueueEvents` see them as
 * what plain jobs give: `active` and `completed` events, and the per-job `active:<id>` and
 * `completed:<id>` names that `wait` listens to.
 */
import type { QueueEvents } from 'bullmq';
import type { QueueLogger } from '../driver.ts';

interface Emitter {
  emit(event: string, ...args: unknown[]): boolean;
  on(event: string, listener: (args: Record<string, unknown>, streamId: string) => void): unknown;
}

export function expandBatchEvents(queueEvents: QueueEvents, logger?: QueueLogger): void {
  const events = queueEvents as unknown as Emitter;
  const each = (name: string, streamId: string, args: Record<string, unknown>) => {
    events.emit(name, args, streamId);
    events.emit(`${name}:${String(args['jobId'])}`, args, streamId);
  };
  events.on('courier:active-many', (args, streamId) => {
    for (const jobId of String(args['jobIds'] ?? '').split(',')) if (jobId) each('active', streamId, { jobId });
  });
  events.on('courier:completed-many', (args, streamId) => {
    const ids = String(args['jobIds'] ?? '').split(',');
    let values: unknown;
    try {
      values = JSON.parse(String(args['returnvalues'] ?? ''));
    } catch {
      values = null;
    }
    if (!Array.isArray(values) || values.length !== ids.length) {
      // Not ours (or damaged): the requests' records still say they completed; `wait` reads them.
      logger?.warn({ streamId }, 'a courier:completed-many event could not be read');
      return;
    }
    ids.forEach((jobId, i) => each('completed', streamId, { jobId, returnvalue: values[i] }));
  });
}
