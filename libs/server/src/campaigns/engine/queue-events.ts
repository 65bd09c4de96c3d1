// Queue-event bookkeeping: the queue's events for watched jobs update the live figures
// (running jobs, bytes on disk) and record final outcomes.
import type { QueueEvent } from '@courier/queue';
import type { EngineContext } from './engine-context.ts';
import { recordAborted, recordOutcome } from './record-outcome.ts';

export function onQueueEvent(ctx: EngineContext, event: QueueEvent): void {
  const hit = ctx.tracked.byJob(event.id);
  if (hit === undefined) return;
  const t = hit.campaign;
  switch (event.type) {
    case 'active':
      if (!t.active.has(event.id)) t.active.set(event.id, 0);
      return;
    case 'progress':
      t.active.set(event.id, event.progress.bytes);
      return;
    case 'completed':
      void recordOutcome(ctx, t, event.id, { outcome: 'completed' });
      return;
    case 'failed':
      if (event.willRetry) t.active.delete(event.id);
      else if (event.error.code === 'ABORTED') void recordAborted(ctx, t, event.id);
      else void recordOutcome(ctx, t, event.id, { outcome: 'failed', code: event.error.code });
      return;
  }
}
