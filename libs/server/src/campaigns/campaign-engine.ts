/**
 * The campaign engine: turns a campaign into download jobs, one per device, released wave by
 * wave, and watches them. It only enqueues and watches (the worker's download handler does the
 * downloading), so it needs nothing but the queue driver and a campaign store.
 *
 * How it follows the jobs: the queue's events (`active`, `progress`, `completed`, a final
 * `failed`) as they come, and a periodic check of the jobs still open against the queue itself,
 * because events can be lost (a server restart, BullMQ's capped event stream). Every outcome is
 * recorded once per device in the store, and every change of state is a compare-and-set there,
 * so a restarted server — or a second server on the same Redis — picks up where it stood.
 */
import { createHash, randomUUID } from 'node:crypto';
import { CourierError } from '@courier/origin';
import { jobIdForKey, type EnqueueOptions, type JobInputLike, type JobRecord, type QueueDriver, type QueueEvent, type QueueLogger } from '@courier/queue';
import { splitFirmwareCredentials } from './campaign-credentials.ts';
import { campaignDefaults } from './campaign-defaults.ts';
import type { CampaignStore, StoredOutcome } from './campaign-store.ts';
import type { CampaignDevice, CampaignSpec, DeviceState, Firmware, StoredCampaign } from './campaign-types.ts';
import { renderDst, renderUrl } from './device-templates.ts';
import { mapLimit } from './map-limit.ts';
import { planWaves, waveOf } from './wave-plan.ts';

/** A validated creation request (the route's schema has checked every field). */
export interface CampaignRequest {
  name?: string;
  firmware: Firmware;
  /** Devices in release order; `dst` given, or rendered from `dstTemplate`. */
  devices: ReadonlyArray<{ id: string; dst?: string }>;
  /** Cumulative fractions, increasing, the last one 1. */
  waves: readonly number[];
  failureThreshold: number;
  dstTemplate: string;
  attempts?: number;
  /** Same key → same campaign (201 the first time, 200 after); another request with it → `CONFLICT`. */
  idempotencyKey?: string;
}

export interface CampaignEngineOptions {
  queue: QueueDriver;
  store: CampaignStore;
  logger?: QueueLogger;
  /** Period of the check of open jobs against the queue, in milliseconds. */
  reconcileIntervalMs?: number;
  /** How long a finished campaign is kept, in milliseconds. */
  retentionMs?: number;
}

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

/** What the engine knows live about a campaign it watches (the store has the rest). */
interface Tracked {
  readonly id: string;
  readonly spec: CampaignSpec;
  /** Released jobs without a recorded outcome: job id → device index. */
  readonly open: Map<string, number>;
  /** Jobs registered whose enqueue has not been confirmed yet (the check must not call them lost). */
  readonly unconfirmed: Set<string>;
  /** Bytes on disk of the jobs running now, by job id. */
  readonly active: Map<string, number>;
  releasing?: Promise<void>;
  evaluating?: Promise<void>;
  evaluateAgain: boolean;
}

const finishedStates = new Set(['completed', 'halted', 'aborted']);

/** The idempotency key of a device's job: the campaign and the device's position (never the device id: ids are caller data). */
export function deviceJobKey(campaignId: string, index: number): string {
  return `campaign.${campaignId}.${index}`;
}

export function deviceJobId(campaignId: string, index: number): string {
  return jobIdForKey(deviceJobKey(campaignId, index));
}

export class CampaignEngine {
  readonly #queue: QueueDriver;
  readonly #store: CampaignStore;
  readonly #logger: QueueLogger | undefined;
  readonly #retentionMs: number;
  readonly #reconcileIntervalMs: number;
  readonly #tracked = new Map<string, Tracked>();
  readonly #byJob = new Map<string, { campaign: Tracked; index: number }>();
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #closed = false;

  constructor(options: CampaignEngineOptions) {
    this.#queue = options.queue;
    this.#store = options.store;
    this.#logger = options.logger;
    this.#retentionMs = options.retentionMs ?? campaignDefaults.retentionMs;
    this.#reconcileIntervalMs = options.reconcileIntervalMs ?? campaignDefaults.reconcileIntervalMs;
  }

  get store(): CampaignStore {
    return this.#store;
  }

  /** Subscribes to the queue's events, picks up the campaigns left unsettled (a restart), and starts the periodic check. */
  async start(): Promise<void> {
    // Subscribe before reading the store, or an event between the two would be lost.
    this.#unsubscribe = this.#queue.subscribe((event) => this.#onEvent(event));
    await this.#tick();
    this.#timer = setInterval(() => void this.#tick(), this.#reconcileIntervalMs);
    this.#timer.unref();
  }

  /** Stops watching (jobs keep running; a later start picks the campaigns up again). Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    const busy: Array<Promise<void> | undefined> = [this.#ticking];
    for (const t of this.#tracked.values()) busy.push(t.releasing, t.evaluating);
    await Promise.allSettled(busy.filter((p) => p !== undefined));
  }

  /**
   * Stores the campaign and starts releasing its first wave (in the background: the answer does
   * not wait for the jobs to be enqueued). With an idempotency key, a second identical request
   * answers the existing campaign (`created: false`); a different one with the key is `CONFLICT`.
   */
  async create(request: CampaignRequest): Promise<{ campaign: StoredCampaign; created: boolean }> {
    const specHash = hashRequest(request);
    const id = request.idempotencyKey === undefined ? `cmp-${randomUUID()}` : `cmp-${createHash('sha256').update(request.idempotencyKey).digest('hex').slice(0, 32)}`;
    const devices: CampaignDevice[] = request.devices.map((d, index) => ({
      id: d.id,
      dst: d.dst ?? renderDst(request.dstTemplate, { campaign: id, device: d.id, index }),
    }));
    // The firmware URL's userinfo never enters the record (see campaign-credentials.ts).
    const { url: firmwareUrl, credentials } = splitFirmwareCredentials(request.firmware.url);
    const spec: CampaignSpec = {
      id,
      name: request.name ?? null,
      createdAt: Date.now(),
      firmware: { ...request.firmware, url: firmwareUrl },
      failureThreshold: request.failureThreshold,
      attempts: request.attempts ?? null,
      deviceCount: devices.length,
      waves: planWaves(request.waves, devices.length),
      specHash,
      ...(credentials === null ? {} : { credentials: true as const }),
    };
    // Stored before the campaign, so no release (here or on another server) finds them missing; taken back when the id was taken.
    const planted = credentials !== null && (await this.#store.putCredentials(id, credentials));
    const outcome = await this.#store.create(spec, devices);
    if (outcome === 'exists' && planted) await this.#store.deleteCredentials(id);
    const stored = await this.#store.get(id);
    if (stored === null) throw new CourierError('NOT_FOUND', `campaign ${id} vanished right after it was created`);
    if (outcome === 'exists') {
      if (stored.specHash !== specHash) throw new CourierError('CONFLICT', `idempotencyKey: campaign ${id} was created with another request`, { field: 'idempotencyKey' });
      return { campaign: stored, created: false };
    }
    this.#logger?.info({ campaign: id, devices: devices.length, waves: spec.waves.length }, 'campaign created');
    this.#scheduleEvaluate(this.#track(spec));
    return { campaign: stored, created: true };
  }

  /** The stored campaign, or null. */
  get(id: string): Promise<StoredCampaign | null> {
    return this.#store.get(id);
  }

  /** Live figures this process has from the queue's events: bytes on disk and jobs running, per wave. */
  live(campaign: StoredCampaign): { activeBytes: number; activeByWave: number[] } {
    const activeByWave = campaign.waves.map(() => 0);
    let activeBytes = 0;
    const t = this.#tracked.get(campaign.id);
    for (const [jobId, bytes] of t?.active ?? []) {
      const index = t!.open.get(jobId);
      if (index === undefined) continue;
      activeBytes += bytes;
      activeByWave[waveOf(campaign.waves, index)]! += 1;
    }
    return { activeBytes, activeByWave };
  }

  /**
   * A page of devices with their states: in campaign order from `offset`, or only those with a
   * given outcome. Devices released but unfinished are looked up in the queue (exact state and
   * bytes), so a page costs at most `limit` lookups.
   */
  async devices(campaign: StoredCampaign, page: { offset: number; limit: number; state?: 'completed' | 'failed' | 'cancelled' }): Promise<{ total: number; items: DeviceView[] }> {
    let indices: number[];
    let total: number;
    if (page.state === undefined) {
      total = campaign.deviceCount;
      const end = Math.min(total, page.offset + page.limit);
      indices = Array.from({ length: Math.max(0, end - page.offset) }, (_, k) => page.offset + k);
    } else {
      const all = await this.#store.allOutcomes(campaign.id);
      const matching = [...all].filter(([, o]) => o.outcome === page.state).map(([index]) => index).sort((a, b) => a - b);
      total = matching.length;
      indices = matching.slice(page.offset, page.offset + page.limit);
    }
    if (indices.length === 0) return { total, items: [] };
    // Contiguous in the plain case; one range read either way, from the first to the last index.
    const first = indices[0]!;
    const span = await this.#store.devices(campaign.id, first, indices.at(-1)! - first + 1);
    const outcomes = await this.#store.outcomes(campaign.id, indices);
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
      const record = await this.#queue.get(view.jobId).catch(() => null);
      return withRecord(view, record, campaign.firmware.size);
    });
    return { total, items };
  }

  /**
   * Aborts: the campaign stops releasing, the current wave's waiting jobs are cancelled (running
   * ones finish), and no later wave is ever enqueued. Resolves once the waiting jobs are cancelled.
   * A campaign that is already completed or aborted is a `CONFLICT`; a halted one can be aborted
   * (its wave's waiting jobs are then cancelled too).
   */
  async abort(id: string): Promise<{ campaign: StoredCampaign; cancelled: number }> {
    for (let attempt = 0; ; attempt += 1) {
      const campaign = await this.#store.get(id);
      if (campaign === null) throw new CourierError('NOT_FOUND', `no campaign ${id}`);
      const { state, wave } = campaign.status;
      if (state === 'completed' || state === 'aborted') throw new CourierError('CONFLICT', `campaign ${id} is already ${state}`);
      const patch = state === 'halted' ? { state: 'aborted' as const } : { state: 'aborted' as const, finishedAt: Date.now() };
      if (await this.#store.transition(id, { state, wave }, patch)) break;
      // It moved on (a wave released, a halt) between the read and the write: read again.
      if (attempt >= 5) throw new CourierError('CONFLICT', `campaign ${id} keeps changing; try again`);
    }
    const t = this.#tracked.get(id);
    await t?.releasing;
    const cancelled = await this.#cancelWaiting(id);
    this.#logger?.info({ campaign: id, cancelled }, 'campaign aborted');
    if (t !== undefined) this.#scheduleEvaluate(t);
    const campaign = await this.#store.get(id);
    return { campaign: campaign!, cancelled };
  }

  // --- watching -------------------------------------------------------------------------

  #track(spec: CampaignSpec): Tracked {
    const known = this.#tracked.get(spec.id);
    if (known !== undefined) return known;
    const t: Tracked = { id: spec.id, spec, open: new Map(), unconfirmed: new Set(), active: new Map(), evaluateAgain: false };
    this.#tracked.set(spec.id, t);
    return t;
  }

  #untrack(t: Tracked): void {
    for (const jobId of t.open.keys()) this.#byJob.delete(jobId);
    this.#tracked.delete(t.id);
  }

  #register(t: Tracked, jobId: string, index: number): void {
    t.open.set(jobId, index);
    this.#byJob.set(jobId, { campaign: t, index });
  }

  /** Picks up a campaign this process does not watch yet (a restart, or one created by another server). */
  async #adopt(id: string): Promise<void> {
    const campaign = await this.#store.get(id);
    if (campaign === null || this.#tracked.has(id)) return;
    const t = this.#track(campaign);
    const outcomes = await this.#store.allOutcomes(id);
    for (let w = 0; w <= campaign.status.wave && w < campaign.waves.length; w += 1) {
      const plan = campaign.waves[w]!;
      const released = campaign.status.waves[w]?.released ?? 0;
      for (let index = plan.start; index < plan.start + released; index += 1) {
        if (!outcomes.has(index)) this.#register(t, deviceJobId(id, index), index);
      }
    }
    this.#logger?.info({ campaign: id, state: campaign.status.state, open: t.open.size }, 'campaign picked up');
    this.#scheduleEvaluate(t);
  }

  #onEvent(event: QueueEvent): void {
    const hit = this.#byJob.get(event.id);
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
        void this.#record(t, event.id, { outcome: 'completed' });
        return;
      case 'failed':
        if (event.willRetry) t.active.delete(event.id);
        else if (event.error.code === 'ABORTED') void this.#recordAborted(t, event.id);
        else void this.#record(t, event.id, { outcome: 'failed', code: event.error.code });
        return;
    }
  }

  /** Records a job's outcome (once) and has the campaign evaluated. A store error leaves the job open: the next check records it. */
  async #record(t: Tracked, jobId: string, outcome: StoredOutcome): Promise<void> {
    const index = t.open.get(jobId);
    if (index === undefined) return;
    try {
      await this.#store.recordOutcome(t.id, index, waveOf(t.spec.waves, index), outcome);
      t.open.delete(jobId);
      t.active.delete(jobId);
      this.#byJob.delete(jobId);
      this.#scheduleEvaluate(t);
    } catch (error) {
      this.#logger?.warn({ err: error, campaign: t.id, jobId }, 'campaign: recording an outcome failed; the next check retries');
    }
  }

  /** A cancelled job is also reported as failed with `ABORTED`: its record tells a cancel (not a failure) from a real abort. */
  async #recordAborted(t: Tracked, jobId: string): Promise<void> {
    const record = await this.#queue.get(jobId).catch(() => null);
    await this.#record(t, jobId, record?.state === 'cancelled' ? { outcome: 'cancelled' } : { outcome: 'failed', code: 'ABORTED' });
  }

  /** Coalesces evaluations: one at a time per campaign, and one more if asked meanwhile. */
  #scheduleEvaluate(t: Tracked): void {
    if (t.evaluating !== undefined) {
      t.evaluateAgain = true;
      return;
    }
    t.evaluating = (async () => {
      try {
        do {
          t.evaluateAgain = false;
          await this.#evaluate(t);
        } while (t.evaluateAgain && !this.#closed);
      } catch (error) {
        this.#logger?.warn({ err: error, campaign: t.id }, 'campaign: evaluation failed; the next check retries');
      } finally {
        t.evaluating = undefined;
      }
    })();
  }

  /** Decides what comes next: keep releasing, halt, start the next wave, complete, or settle. */
  async #evaluate(t: Tracked): Promise<void> {
    if (this.#closed) return;
    const campaign = await this.#store.get(t.id);
    if (campaign === null) {
      this.#untrack(t);
      return;
    }
    const { state, wave } = campaign.status;
    if (state !== 'running') {
      if (t.open.size === 0 && t.releasing === undefined) {
        if ((campaign.status.waves[wave]?.released ?? 0) > 0) await this.#store.markWaveFinished(t.id, wave, Date.now());
        await this.#store.settle(t.id, this.#retentionMs);
        this.#untrack(t);
        this.#logger?.info({ campaign: t.id, state }, 'campaign settled');
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
      if (await this.#store.transition(t.id, { state, wave }, { state: 'halted', finishedAt: now, halt })) {
        if (finished >= size) await this.#store.markWaveFinished(t.id, wave, now);
        this.#logger?.warn({ campaign: t.id, wave, failureRatio: ratio, threshold: campaign.failureThreshold }, 'campaign halted');
      }
      t.evaluateAgain = true;
      return;
    }
    if (progress.released < size) {
      this.#release(t, wave);
      return;
    }
    if (finished < size) return;
    await this.#store.markWaveFinished(t.id, wave, now);
    if (wave === campaign.waves.length - 1) {
      if (await this.#store.transition(t.id, { state, wave }, { state: 'completed', finishedAt: now })) {
        this.#logger?.info({ campaign: t.id }, 'campaign completed');
      }
      t.evaluateAgain = true;
      return;
    }
    if (await this.#store.transition(t.id, { state, wave }, { wave: wave + 1 })) {
      this.#logger?.info({ campaign: t.id, wave: wave + 1, failureRatio: ratio }, 'campaign: next wave');
    }
    t.evaluateAgain = true;
  }

  /** Enqueues the rest of a wave in batches, recording after each how far it got (a restart goes on from there). */
  #release(t: Tracked, wave: number): void {
    if (t.releasing !== undefined) return;
    t.releasing = (async () => {
      try {
        for (;;) {
          const campaign = await this.#store.get(t.id);
          if (campaign === null || campaign.status.wave !== wave) return;
          const plan = campaign.waves[wave]!;
          const released = campaign.status.waves[wave]!.released;
          if (campaign.status.state !== 'running' || released >= plan.end - plan.start || this.#closed) return;
          const from = plan.start + released;
          const count = Math.min(campaignDefaults.releaseBatch, plan.end - from);
          const devices = await this.#store.devices(t.id, from, count);
          // The queue moves these headers to its secrets store, as it does a request job's.
          const credentials = campaign.credentials === true ? await this.#store.credentials(t.id) : null;
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
            this.#register(t, id, from + k);
            t.unconfirmed.add(id);
          });
          try {
            await this.#queue.enqueue(jobs, options);
          } catch (error) {
            // Not known to be enqueued: forget them (the retry enqueues them again, same keys, no duplicates).
            for (const id of ids) {
              t.open.delete(id);
              t.unconfirmed.delete(id);
              this.#byJob.delete(id);
            }
            throw error;
          }
          for (const id of ids) t.unconfirmed.delete(id);
          await this.#store.markReleased(t.id, wave, released + count, Date.now());
          const after = await this.#store.get(t.id);
          // Aborted by another server while this batch went out: its cancel pass could not see these jobs.
          if (after?.status.state === 'aborted') await this.#cancelWaiting(t.id);
        }
      } catch (error) {
        this.#logger?.warn({ err: error, campaign: t.id, wave }, 'campaign: releasing a wave failed; the next check retries');
      } finally {
        t.releasing = undefined;
        this.#scheduleEvaluate(t);
      }
    })();
  }

  /** Cancels the current wave's jobs that are still waiting (or delayed); returns how many. */
  async #cancelWaiting(id: string): Promise<number> {
    const campaign = await this.#store.get(id);
    if (campaign === null) return 0;
    const wave = campaign.status.wave;
    const plan = campaign.waves[wave]!;
    const released = campaign.status.waves[wave]!.released;
    const indices = Array.from({ length: released }, (_, k) => plan.start + k);
    const outcomes = await this.#store.outcomes(id, indices);
    const open = indices.filter((_, k) => outcomes[k] === null);
    const cancelled = await mapLimit(open, campaignDefaults.queueCallConcurrency, async (index) => {
      const jobId = deviceJobId(id, index);
      const record = await this.#queue.get(jobId);
      // queue.cancel would also abort a running job: only waiting ones are cancelled.
      if (record === null || (record.state !== 'waiting' && record.state !== 'delayed')) return false;
      if (!(await this.#queue.cancel(jobId))) return false;
      await this.#store.recordOutcome(id, index, wave, { outcome: 'cancelled' });
      const t = this.#tracked.get(id);
      if (t !== undefined) {
        t.open.delete(jobId);
        t.active.delete(jobId);
        this.#byJob.delete(jobId);
      }
      return true;
    });
    return cancelled.filter(Boolean).length;
  }

  /** The periodic check: adopt unwatched campaigns, compare open jobs with the queue, evaluate. */
  #tick(): Promise<void> {
    if (this.#ticking !== undefined || this.#closed) return this.#ticking ?? Promise.resolve();
    this.#ticking = (async () => {
      try {
        for (const id of await this.#store.unsettled()) if (!this.#tracked.has(id)) await this.#adopt(id);
        for (const t of [...this.#tracked.values()]) {
          if (t.releasing === undefined) await this.#reconcile(t);
          this.#scheduleEvaluate(t);
        }
      } catch (error) {
        this.#logger?.warn({ err: error }, 'campaign check failed; retried at the next one');
      } finally {
        this.#ticking = undefined;
      }
    })();
    return this.#ticking;
  }

  /** Looks up a batch of open jobs in the queue (oldest registered first) and records what finished while no event said so. */
  async #reconcile(t: Tracked): Promise<void> {
    const batch: Array<[string, number]> = [];
    for (const entry of t.open) {
      if (t.unconfirmed.has(entry[0])) continue;
      batch.push(entry);
      if (batch.length >= campaignDefaults.reconcileBatch) break;
    }
    await mapLimit(batch, campaignDefaults.queueCallConcurrency, async ([jobId]) => {
      const record = await this.#queue.get(jobId);
      if (record === null) {
        // Gone before its outcome was seen (retention removed it while no server watched): counted as failed, not guessed as done.
        this.#logger?.warn({ campaign: t.id, jobId }, 'campaign: a job vanished before its outcome was seen');
        return this.#record(t, jobId, { outcome: 'failed', code: 'NOT_FOUND' });
      }
      if (record.state === 'completed') return this.#record(t, jobId, { outcome: 'completed' });
      if (record.state === 'failed') return this.#record(t, jobId, { outcome: 'failed', code: record.error?.code ?? 'INTERNAL' });
      if (record.state === 'cancelled') return this.#record(t, jobId, { outcome: 'cancelled' });
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

/** The request's content, hashed with sorted keys: "the same campaign again" vs "another one with a used key". */
function hashRequest(request: CampaignRequest): string {
  const { idempotencyKey: _key, ...content } = request;
  return createHash('sha256').update(stableJson(content)).digest('hex');
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : 1));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export { finishedStates as campaignFinishedStates };
