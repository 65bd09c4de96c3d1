// Restart reconciliation: events can be lost (a server restart, BullMQ's capped event stream),
// so campaigns nobody here watches are adopted from the store, and open jobs are compared with
// the queue itself.
import { campaignDefaults } from '../campaign-defaults.ts';
import { mapLimit } from '../map-limit.ts';
import { deviceJobId } from './device-jobs.ts';
import type { EngineContext } from './engine-context.ts';
import { recordOutcome } from './record-outcome.ts';
import type { Tracked } from './tracked-campaigns.ts';

/** Picks up a campaign this process does not watch yet (a restart, or one created by another server). */
export async function adoptCampaign(ctx: EngineContext, id: string): Promise<void> {
  const campaign = await ctx.store.get(id);
  if (campaign === null || ctx.tracked.get(id) !== undefined) return;
  const t = ctx.tracked.track(campaign);
  const outcomes = await ctx.store.allOutcomes(id);
  for (let w = 0; w <= campaign.status.wave && w < campaign.waves.length; w += 1) {
    const plan = campaign.waves[w]!;
    const released = campaign.status.waves[w]?.released ?? 0;
    for (let index = plan.start; index < plan.start + released; index += 1) {
      if (!outcomes.has(index)) ctx.tracked.register(t, deviceJobId(id, index), index);
    }
  }
  ctx.logger?.info({ campaign: id, state: campaign.status.state, open: t.open.size }, 'campaign picked up');
  ctx.scheduleEvaluate(t);
}

/** Looks up a batch of open jobs in the queue (oldest registered first) and records what finished while no event said so. */
export async function reconcileOpenJobs(ctx: EngineContext, t: Tracked): Promise<void> {
  const batch: Array<[string, number]> = [];
  for (const entry of t.open) {
    if (t.unconfirmed.has(entry[0])) continue;
    batch.push(entry);
    if (batch.length >= campaignDefaults.reconcileBatch) break;
  }
  await mapLimit(batch, campaignDefaults.queueCallConcurrency, async ([jobId]) => {
    const record = await ctx.queue.get(jobId);
    if (record === null) {
      // Gone before its outcome was seen (retention removed it while no server watched): counted as failed, not guessed as done.
      ctx.logger?.warn({ campaign: t.id, jobId }, 'campaign: a job vanished before its outcome was seen');
      return recordOutcome(ctx, t, jobId, { outcome: 'failed', code: 'NOT_FOUND' });
    }
    if (record.state === 'completed') return recordOutcome(ctx, t, jobId, { outcome: 'completed' });
    if (record.state === 'failed') return recordOutcome(ctx, t, jobId, { outcome: 'failed', code: record.error?.code ?? 'INTERNAL' });
    if (record.state === 'cancelled') return recordOutcome(ctx, t, jobId, { outcome: 'cancelled' });
    if (record.state === 'active') t.active.set(jobId, record.progress?.bytes ?? t.active.get(jobId) ?? 0);
    else t.active.delete(jobId);
  });
  // A recorded outcome moves the job out of `open`: rotate the rest so every job gets its turn.
  for (const [jobId, index] of batch) {
    if (!t.open.has(jobId)) continue;
    t.open.delete(jobId);
    t.open.set(jobId, index);
  }
}
