// Store writes of outcomes: each job's outcome recorded once per device, then the campaign evaluated.
import type { StoredOutcome } from '../campaign-store.ts';
import { waveOf } from '../wave-plan.ts';
import type { EngineContext } from './engine-context.ts';
import type { Tracked } from './tracked-campaigns.ts';

/** Records a job's outcome (once) and has the campaign evaluated. A store error leaves the job open: the next check records it. */
export async function recordOutcome(ctx: EngineContext, t: Tracked, jobId: string, outcome: StoredOutcome): Promise<void> {
  const index = t.open.get(jobId);
  if (index === undefined) return;
  try {
    await ctx.store.recordOutcome(t.id, index, waveOf(t.spec.waves, index), outcome);
    ctx.tracked.forget(t, jobId);
    ctx.scheduleEvaluate(t);
  } catch (error) {
    ctx.logger?.warn({ err: error, campaign: t.id, jobId }, 'campaign: recording an outcome failed; the next check retries');
  }
}

/** A cancelled job is also reported as failed with `ABORTED`: its record tells a cancel (not a failure) from a real abort. */
export async function recordAborted(ctx: EngineContext, t: Tracked, jobId: string): Promise<void> {
  const record = await ctx.queue.get(jobId).catch(() => null);
  await recordOutcome(ctx, t, jobId, record?.state === 'cancelled' ? { outcome: 'cancelled' } : { outcome: 'failed', code: 'ABORTED' });
}
