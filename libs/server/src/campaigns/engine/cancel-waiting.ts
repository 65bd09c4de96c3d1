// Cancel: the current wave's jobs that have not started go; running ones finish.
import { campaignDefaults } from '../campaign-defaults.ts';
import { mapLimit } from '../map-limit.ts';
import { deviceJobId } from './device-jobs.ts';
import type { EngineContext } from './engine-context.ts';

/** Cancels the current wave's jobs that are still waiting (or delayed); returns how many. */
export async function cancelWaiting(ctx: EngineContext, id: string): Promise<number> {
  const campaign = await ctx.store.get(id);
  if (campaign === null) return 0;
  const wave = campaign.status.wave;
  const plan = campaign.waves[wave]!;
  const released = campaign.status.waves[wave]!.released;
  const indices = Array.from({ length: released }, (_, k) => plan.start + k);
  const outcomes = await ctx.store.outcomes(id, indices);
  const open = indices.filter((_, k) => outcomes[k] === null);
  const cancelled = await mapLimit(open, campaignDefaults.queueCallConcurrency, async (index) => {
    const jobId = deviceJobId(id, index);
    const record = await ctx.queue.get(jobId);
    // queue.cancel would also abort a running job: only waiting ones are cancelled.
    if (record === null || (record.state !== 'waiting' && record.state !== 'delayed')) return false;
    if (!(await ctx.queue.cancel(jobId))) return false;
    await ctx.store.recordOutcome(id, index, wave, { outcome: 'cancelled' });
    const t = ctx.tracked.get(id);
    if (t !== undefined) ctx.tracked.forget(t, jobId);
    return true;
  });
  return cancelled.filter(Boolean).length;
}
