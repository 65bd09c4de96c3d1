/**
 * A campaign as the API shows it. The dashboard's Campaigns panel reads these very names
 * (`state`, `devices` as a count, `bytes.done` / `bytes.total`, `failureThreshold`, and per
 * wave `index`, `state`, `devices`, `counts.{waiting,active,completed,failed}`).
 */
import type { StoredCampaign, WaveState } from './campaign-types.ts';

export interface WaveView {
  index: number;
  /** The cumulative fraction asked for. */
  fraction: number;
  /** Index of the wave's first device in the campaign's list. */
  firstDevice: number;
  /** Devices in this wave. */
  devices: number;
  state: WaveState;
  /** Devices whose jobs have been enqueued. */
  released: number;
  counts: { pending: number; waiting: number; active: number; completed: number; failed: number; cancelled: number };
  /** failed ÷ (completed + failed), 0 before any finished. */
  failureRatio: number;
  releasedAt: number | null;
  finishedAt: number | null;
}

export interface CampaignView {
  id: string;
  name: string | null;
  state: StoredCampaign['status']['state'];
  createdAt: number;
  finishedAt: number | null;
  firmware: StoredCampaign['firmware'];
  failureThreshold: number;
  attempts: number | null;
  /** How many devices the campaign has. */
  devices: number;
  /** The wave being released or run (the last one once completed; the halted one once halted). */
  currentWave: number;
  /** The current wave's failure ratio, to read against `failureThreshold`. */
  failureRatio: number;
  /** Bytes on disk across devices (completed ones count the image size, running ones what they have), and devices × image size. */
  bytes: { done: number; total: number };
  counts: { pending: number; waiting: number; active: number; completed: number; failed: number; cancelled: number; skipped: number };
  halt: StoredCampaign['status']['halt'] | null;
  waves: WaveView[];
}

function waveState(campaign: StoredCampaign, index: number): WaveState {
  const { state, wave } = campaign.status;
  if (index < wave) return 'passed';
  if (index > wave) return state === 'running' ? 'pending' : 'skipped';
  if (state === 'completed') return 'passed';
  return state;
}

export function presentCampaign(campaign: StoredCampaign, live: { activeBytes: number; activeByWave: readonly number[] }): CampaignView {
  const totals = { pending: 0, waiting: 0, active: 0, completed: 0, failed: 0, cancelled: 0, skipped: 0 };
  const waves = campaign.waves.map((plan, index): WaveView => {
    const progress = campaign.status.waves[index]!;
    const devices = plan.end - plan.start;
    const finished = progress.completed + progress.failed + progress.cancelled;
    const active = Math.min(live.activeByWave[index] ?? 0, Math.max(0, progress.released - finished));
    const state = waveState(campaign, index);
    const unreleased = devices - progress.released;
    const counts = {
      pending: state === 'skipped' ? 0 : unreleased,
      waiting: Math.max(0, progress.released - finished - active),
      active,
      completed: progress.completed,
      failed: progress.failed,
      cancelled: progress.cancelled,
    };
    for (const key of ['pending', 'waiting', 'active', 'completed', 'failed', 'cancelled'] as const) totals[key] += counts[key];
    if (state === 'skipped') totals.skipped += unreleased;
    const judged = progress.completed + progress.failed;
    return {
      index,
      fraction: plan.fraction,
      firstDevice: plan.start,
      devices,
      state,
      released: progress.released,
      counts,
      failureRatio: judged === 0 ? 0 : progress.failed / judged,
      releasedAt: progress.releasedAt ?? null,
      finishedAt: progress.finishedAt ?? null,
    };
  });
  const current = waves[campaign.status.wave];
  return {
    id: campaign.id,
    name: campaign.name,
    state: campaign.status.state,
    createdAt: campaign.createdAt,
    finishedAt: campaign.status.finishedAt ?? null,
    firmware: campaign.firmware,
    failureThreshold: campaign.failureThreshold,
    attempts: campaign.attempts,
    devices: campaign.deviceCount,
    currentWave: campaign.status.wave,
    failureRatio: current?.failureRatio ?? 0,
    bytes: { done: totals.completed * campaign.firmware.size + live.activeBytes, total: campaign.deviceCount * campaign.firmware.size },
    counts: totals,
    halt: campaign.status.halt ?? null,
    waves,
  };
}
