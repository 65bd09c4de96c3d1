// Device paging: a page of a campaign's devices with their states, and the live figures.
import type { JobRecord, QueueDriver } from '@courier/queue';
import { campaignDefaults } from '../campaign-defaults.ts';
import type { CampaignStore, StoredOutcome } from '../campaign-store.ts';
import type { DeviceState, StoredCampaign } from '../campaign-types.ts';
import { mapLimit } from '../map-limit.ts';
import { waveOf } from '../wave-plan.ts';
import { deviceJobId } from './device-jobs.ts';
import type { Tracked } from './tracked-campaigns.ts';

/** A device as `GET /v1/campaigns/:id` lists it. */
export interface DeviceView {
  index: number;
  id: string;
  dst: string;
  wave: number;
  state: DeviceState;
  /** The download job, once the device's wave has released it. */
  jobId?: string;
  /** Bytes on disk so far (active), or the image size (completed). */
  bytes?: number;
  error?: { code: string };
}

export interface DevicePage {
  offset: number;
  limit: number;
  state?: 'completed' | 'failed' | 'cancelled';
}

/**
 * A page of devices with their states: in campaign order from `offset`, or only those with a
 * given outcome. Devices released but unfinished are looked up in the queue (exact state and
 * bytes), so a page costs at most `limit` lookups.
 */
export async function pageDevices(store: CampaignStore, queue: QueueDriver, campaign: StoredCampaign, page: DevicePage): Promise<{ total: number; items: DeviceView[] }> {
  let indices: number[];
  let total: number;
  if (page.state === undefined) {
    total = campaign.deviceCount;
    const end = Math.min(total, page.offset + page.limit);
    indices = Array.from({ length: Math.max(0, end - page.offset) }, (_, k) => page.offset + k);
  } else {
    const all = await store.allOutcomes(campaign.id);
    const matching = [...all].filter(([, o]) => o.outcome === page.state).map(([index]) => index).sort((a, b) => a - b);
    total = matching.length;
    indices = matching.slice(page.offset, page.offset + page.limit);
  }
  if (indices.length === 0) return { total, items: [] };
  // Contiguous in the plain case; one range read either way, from the first to the last index.
  const first = indices[0]!;
  const span = await store.devices(campaign.id, first, indices.at(-1)! - first + 1);
  const outcomes = await store.outcomes(campaign.id, indices);
  const status = campaign.status;
  const items = await mapLimit(indices, campaignDefaults.queueCallConcurrency, async (index, k): Promise<DeviceView> => {
    const device = span[index - first]!;
    const wave = waveOf(campaign.waves, index);
    const plan = campaign.waves[wave]!;
    const view: DeviceView = { index, id: device.id, dst: device.dst, wave, state: 'pending' };
    const released = wave <= status.wave && index < plan.start + (status.waves[wave]?.released ?? 0);
    if (!released) {
      view.state = status.state === 'running' ? 'pending' : 'skipped';
      return view;
    }
    view.jobId = deviceJobId(campaign.id, index);
    const outcome = outcomes[k];
    if (outcome) return withOutcome(view, outcome, campaign.firmware.size);
    const record = await queue.get(view.jobId).catch(() => null);
    return withRecord(view, record, campaign.firmware.size);
  });
  return { total, items };
}

/** Live figures from the queue's events (`t`: the campaign as this process watches it): bytes on disk and jobs running, per wave. */
export function liveFigures(campaign: StoredCampaign, t: Tracked | undefined): { activeBytes: number; activeByWave: number[] } {
  const activeByWave = campaign.waves.map(() => 0);
  let activeBytes = 0;
  for (const [jobId, bytes] of t?.active ?? []) {
    const index = t!.open.get(jobId);
    if (index === undefined) continue;
    activeBytes += bytes;
    activeByWave[waveOf(campaign.waves, index)]! += 1;
  }
  return { activeBytes, activeByWave };
}

function withOutcome(view: DeviceView, outcome: StoredOutcome, size: number): DeviceView {
  view.state = outcome.outcome;
  if (outcome.outcome === 'completed') view.bytes = size;
  if (outcome.outcome === 'failed') view.error = { code: outcome.code ?? 'INTERNAL' };
  return view;
}

function withRecord(view: DeviceView, record: JobRecord | null, size: number): DeviceView {
  if (record === null) {
    view.state = 'waiting';
    return view;
  }
  switch (record.state) {
    case 'completed':
      return withOutcome(view, { outcome: 'completed' }, size);
    case 'failed':
      return withOutcome(view, { outcome: 'failed', code: record.error?.code ?? 'INTERNAL' }, size);
    case 'cancelled':
      return withOutcome(view, { outcome: 'cancelled' }, size);
    case 'active':
      view.state = 'active';
      view.bytes = record.progress?.bytes ?? 0;
      return view;
    default:
      view.state = 'waiting';
      return view;
  }
}
