// The campaign's next step, decided from the store: keep releasing, halt, start the next wave,
// complete, or settle. Every change of state is a compare-and-set in the store.
import type { EngineContext } from './engine-context.ts';
import type { Tracked } from './tracked-campaigns.ts';
import { releaseWave } from './wave-release.ts';

/** Decides what comes next; sets `t.evaluateAgain` when a state change calls for another look. */
export async function evaluateCampaign(ctx: EngineContext, t: Tracked): Promise<void> {
  if (ctx.closed()) return;
  const campaign = await ctx.store.get(t.id);
  if (campaign === null) {
    ctx.tracked.untrack(t);
    return;
  }
  const { state, wave } = campaign.status;
  if (state !== 'running') {
    if (t.open.size === 0 && t.releasing === undefined) {
      if ((campaign.status.waves[wave]?.released ?? 0) > 0) await ctx.store.markWaveFinished(t.id, wave, Date.now());
      await ctx.store.settle(t.id, ctx.retentionMs);
      ctx.tracked.untrack(t);
      ctx.logger?.info({ campaign: t.id, state }, 'campaign settled');
    }
    return;
  }
  const plan = campaign.waves[wave]!;
  const progress = campaign.status.waves[wave]!;
  const size = plan.end - plan.start;
  const finished = progress.completed + progress.failed + progress.cancelled;
  const judged = progress.completed + progress.failed;
  const ratio = judged === 0 ? 0 : progress.failed / judged;
  const now = Date.now();

  // Sure to pass the threshold whatever the rest of the wave does: halt now (its running jobs finish).
  if (progress.failed > campaign.failureThreshold * (size - progress.cancelled)) {
    const halt = { wave, failureRatio: ratio, failed: progress.failed, finished, early: finished < size };
    if (await ctx.store.transition(t.id, { state, wave }, { state: 'halted', finishedAt: now, halt })) {
      if (finished >= size) await ctx.store.markWaveFinished(t.id, wave, now);
      ctx.logger?.warn({ campaign: t.id, wave, failureRatio: ratio, threshold: campaign.failureThreshold }, 'campaign halted');
    }
    t.evaluateAgain = true;
    return;
  }
  if (progress.released < size) {
    releaseWave(ctx, t, wave);
    return;
  }
  if (finished < size) return;
  await ctx.store.markWaveFinished(t.id, wave, now);
  if (wave === campaign.waves.length - 1) {
    if (await ctx.store.transition(t.id, { state, wave }, { state: 'completed', finishedAt: now })) {
      ctx.logger?.info({ campaign: t.id }, 'campaign completed');
    }
    t.evaluateAgain = true;
    return;
  }
  if (await ctx.store.transition(t.id, { state, wave }, { wave: wave + 1 })) {
    ctx.logger?.info({ campaign: t.id, wave: wave + 1, failureRatio: ratio }, 'campaign: next wave');
  }
  t.evaluateAgain = true;
}
