/**
 * The Campaigns panel reads the campaigns API (`GET /v1/campaigns`, `GET /v1/campaigns/:id`)
 * through the app itself, so it shows whatever that API answers and nothing when the API is
 * not there (404). The answers are normalised here, tolerantly: field names the API may choose
 * (`state`/`status`, `failureThreshold`/`threshold`, `bytes.done`/`bytesDone`, …) map to one
 * small shape the page draws.
 */

export interface WaveView {
  index: number;
  state: string;
  devices: number;
  waiting: number;
  active: number;
  completed: number;
  failed: number;
}

export interface CampaignView {
  id: string;
  name: string | null;
  state: string;
  devices: number;
  bytesDone: number;
  bytesTotal: number | null;
  /** Failure ratio (0–1) above which a wave halts the campaign, or null when not given. */
  failureThreshold: number | null;
  waves: WaveView[];
}

/** `available: false` when the campaigns API does not exist (yet) or does not answer. */
export interface CampaignsPayload {
  available: boolean;
  campaigns: CampaignView[];
}

/** GET through the app: status and parsed JSON body (undefined when not JSON). */
export type InternalGet = (url: string) => Promise<{ status: number; body: unknown }>;

/** Campaigns whose details are fetched on every poll; finished ones are fetched once and kept. */
const maxDetailed = 20;
const finishedStates = new Set(['completed', 'complete', 'done', 'finished', 'halted', 'aborted', 'cancelled', 'canceled', 'failed']);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(...values: unknown[]): number | undefined {
  for (const v of values) if (typeof v === 'number' && Number.isFinite(v)) return v;
  return undefined;
}

function str(...values: unknown[]): string | undefined {
  for (const v of values) if (typeof v === 'string' && v !== '') return v;
  return undefined;
}

/** A count given as a number or as the list of what is counted. */
function count(v: unknown): number | undefined {
  return Array.isArray(v) ? v.length : num(v);
}

/** Per-state counts of devices in a wave, from `counts`/`states` objects or a device list with states. */
function waveCounts(w: Json): Pick<WaveView, 'waiting' | 'active' | 'completed' | 'failed'> {
  const c = isObject(w.counts) ? w.counts : isObject(w.states) ? w.states : w;
  const out = {
    waiting: num(c.waiting, c.pending, c.queued, c.delayed) ?? 0,
    active: num(c.active, c.running, c.downloading) ?? 0,
    completed: num(c.completed, c.succeeded, c.done, c.ok) ?? 0,
    failed: num(c.failed, c.failures, c.errors) ?? 0,
  };
  if (out.waiting + out.active + out.completed + out.failed === 0 && Array.isArray(w.devices)) {
    for (const d of w.devices) {
      const s = isObject(d) ? str(d.state, d.status) : undefined;
      if (s === 'completed' || s === 'succeeded' || s === 'done') out.completed += 1;
      else if (s === 'failed') out.failed += 1;
      else if (s === 'active' || s === 'running') out.active += 1;
      else out.waiting += 1;
    }
  }
  return out;
}

function normaliseWave(w: unknown, i: number): WaveView | undefined {
  if (!isObject(w)) return undefined;
  const counts = waveCounts(w);
  const sum = counts.waiting + counts.active + counts.completed + counts.failed;
  return {
    index: num(w.index, w.wave) ?? i,
    state: str(w.state, w.status) ?? 'unknown',
    devices: count(w.devices) ?? num(w.size, w.total, w.count) ?? sum,
    ...counts,
  };
}

/** A threshold given as a ratio (0.05) or a percentage (5). */
function ratio(v: number | undefined): number | null {
  if (v === undefined) return null;
  return v > 1 ? v / 100 : v;
}

export function normaliseCampaign(c: unknown): CampaignView | undefined {
  if (!isObject(c)) return undefined;
  const id = str(c.id, c.campaignId) ?? (typeof c.id === 'number' ? String(c.id) : undefined);
  if (id === undefined) return undefined;
  const bytes = isObject(c.bytes) ? c.bytes : isObject(c.progress) ? c.progress : {};
  const firmware = isObject(c.firmware) ? c.firmware : {};
  const waves = (Array.isArray(c.waves) ? c.waves : []).map(normaliseWave).filter((w): w is WaveView => w !== undefined);
  return {
    id,
    name: str(c.name, c.title, firmware.url) ?? null,
    state: str(c.state, c.status) ?? 'unknown',
    devices: count(c.devices) ?? num(c.deviceCount, c.total) ?? waves.reduce((n, w) => n + w.devices, 0),
    bytesDone: num(bytes.done, bytes.bytes, bytes.transferred, c.bytesDone, c.bytes) ?? 0,
    bytesTotal: num(bytes.total, c.bytesTotal) ?? null,
    failureThreshold: ratio(num(c.failureThreshold, c.threshold, c.maxFailureRatio, c.failureRatio)),
    waves,
  };
}

/** The list of an answer that is an array or `{ campaigns: [...] }` (or `{ items }`). */
function listOf(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  if (isObject(body)) {
    if (Array.isArray(body.campaigns)) return body.campaigns;
    if (Array.isArray(body.items)) return body.items;
  }
  return undefined;
}

/**
 * Polls the campaigns API and keeps finished campaigns' details, so a long list of old
 * rollouts costs one request per poll, plus one per running campaign.
 */
export class CampaignsSource {
  readonly #get: InternalGet;
  readonly #finished = new Map<string, CampaignView>();

  constructor(get: InternalGet) {
    this.#get = get;
  }

  async poll(): Promise<CampaignsPayload> {
    let list: unknown[] | undefined;
    try {
      const answer = await this.#get('/v1/campaigns');
      if (answer.status !== 200) return { available: false, campaigns: [] };
      list = listOf(answer.body);
    } catch {
      return { available: false, campaigns: [] };
    }
    if (list === undefined) return { available: false, campaigns: [] };

    const campaigns: CampaignView[] = [];
    for (const item of list.slice(0, maxDetailed)) {
      const summary = normaliseCampaign(item);
      if (summary === undefined) continue;
      const kept = this.#finished.get(summary.id);
      if (kept !== undefined) {
        campaigns.push(kept);
        continue;
      }
      // A list entry with waves is detailed enough; otherwise ask for the campaign itself.
      let view = summary;
      if (summary.waves.length === 0) {
        const detail = await this.#get(`/v1/campaigns/${encodeURIComponent(summary.id)}`).catch(() => undefined);
        const body = detail?.status === 200 && isObject(detail.body) && isObject(detail.body.campaign) ? detail.body.campaign : detail?.body;
        view = (detail?.status === 200 ? normaliseCampaign(body) : undefined) ?? summary;
      }
      // A halted or aborted campaign's released jobs may still be running: keep it only once they are done.
      if (finishedStates.has(view.state) && view.waves.every((w) => w.active === 0 && w.waiting === 0)) this.#finished.set(view.id, view);
      campaigns.push(view);
    }
    return { available: true, campaigns };
  }
}
