// Wave release: a wave's devices become download jobs, enqueued in batches, with how far it got
// recorded after each (a restart goes on from there).
import { CourierError } from '@courier/origin';
import type { EnqueueOptions, JobInputLike } from '@courier/queue';
import { campaignDefaults } from '../campaign-defaults.ts';
import { renderUrl } from '../device-templates.ts';
import { cancelWaiting } from './cancel-waiting.ts';
import { deviceJobId, deviceJobKey } from './device-jobs.ts';
import type { EngineContext } from './engine-context.ts';
import type { Tracked } from './tracked-campaigns.ts';

/** Enqueues the rest of a wave in the background (once at a time per campaign), then has the campaign evaluated. */
export function releaseWave(ctx: EngineContext, t: Tracked, wave: number): void {
  if (t.releasing !== undefined) return;
  t.releasing = (async () => {
    try {
      while (await releaseBatch(ctx, t, wave));
    } catch (error) {
      ctx.logger?.warn({ err: error, campaign: t.id, wave }, 'campaign: releasing a wave failed; the next check retries');
    } finally {
      t.releasing = undefined;
      ctx.scheduleEvaluate(t);
    }
  })();
}

/** Enqueues the wave's next batch; false when there is nothing (more) to release. */
async function releaseBatch(ctx: EngineContext, t: Tracked, wave: number): Promise<boolean> {
  const campaign = await ctx.store.get(t.id);
  if (campaign === null || campaign.status.wave !== wave) return false;
  const plan = campaign.waves[wave]!;
  const released = campaign.status.waves[wave]!.released;
  if (campaign.status.state !== 'running' || released >= plan.end - plan.start || ctx.closed()) return false;
  const from = plan.start + released;
  const count = Math.min(campaignDefaults.releaseBatch, plan.end - from);
  const devices = await ctx.store.devices(t.id, from, count);
  // The queue moves these headers to its secrets store, as it does a request job's.
  const credentials = campaign.credentials === true ? await ctx.store.credentials(t.id) : null;
  if (campaign.credentials === true && credentials === null) throw new CourierError('INTERNAL', `campaign ${t.id}: its firmware credentials are missing from the store`);
  const jobs: JobInputLike[] = devices.map((d) => ({
    kind: 'download',
    url: renderUrl(campaign.firmware.url, d.id),
    dst: d.dst,
    sha256: campaign.firmware.sha256,
    size: campaign.firmware.size,
    ...(credentials === null ? {} : { headers: credentials }),
  }));
  const options: EnqueueOptions[] = devices.map((_, k) => ({
    idempotencyKey: deviceJobKey(t.id, from + k),
    ...(campaign.attempts === null ? {} : { attempts: campaign.attempts }),
  }));
  const ids = devices.map((_, k) => deviceJobId(t.id, from + k));
  // Registered before the enqueue, so no event of a fast job is missed.
  ids.forEach((id, k) => {
    ctx.tracked.register(t, id, from + k);
    t.unconfirmed.add(id);
  });
  try {
    // Plain jobs, not batch jobs (`{ batch: true }`), on purpose. An abort cancels the wave's jobs
    // that have not started and lets the running ones finish (cancel-waiting.ts), and it tells
    // them apart by their state. A batch request reads `active` from the moment a worker takes
    // its batch job — all of them, up to 100, while only as many run as the firmware origin has
    // slots (libs/queue batch-jobs.spec.ts) — so after an abort every device of a taken batch
    // would still download: the emergency stop of a rollout would stop little (with batch jobs,
    // the abort test of test/campaigns/campaign-fleet.spec.ts cancels 0 of its 8 waiting
    // devices). The dashboard's running count would count them too. The saving would be small
    // besides: a device's job is a whole firmware download, next to which a plain job's Redis
    // work is noise.
    await ctx.queue.enqueue(jobs, options);
  } catch (error) {
    // Not known to be enqueued: forget them (the retry enqueues them again, same keys, no duplicates).
    for (const id of ids) ctx.tracked.forget(t, id);
    throw error;
  }
  for (const id of ids) t.unconfirmed.delete(id);
  await ctx.store.markReleased(t.id, wave, released + count, Date.now());
  const after = await ctx.store.get(t.id);
  // Aborted by another server while this batch went out: its cancel pass could not see these jobs.
  if (after?.status.state === 'aborted') await cancelWaiting(ctx, t.id);
  return true;
}
