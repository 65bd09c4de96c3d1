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
import { CourierError } from '@courier/origin';
import type { HeaderPair, QueueDriver, QueueLogger } from '@courier/queue';
import { splitFirmwareCredentials } from './campaign-credentials.ts';
import { credentialVerifier, matchesVerifier } from './engine/credential-verifier.ts';
import { campaignDefaults } from './campaign-defaults.ts';
import type { CampaignStore } from './campaign-store.ts';
import type { CampaignDevice, CampaignSpec, StoredCampaign } from './campaign-types.ts';
import { renderDst } from './device-templates.ts';
import { cancelWaiting } from './engine/cancel-waiting.ts';
import { liveFigures, pageDevices, type DevicePage, type DeviceView } from './engine/device-paging.ts';
import type { EngineContext } from './engine/engine-context.ts';
import { evaluateCampaign } from './engine/evaluate-campaign.ts';
import { onQueueEvent } from './engine/queue-events.ts';
import { campaignIdFor, hashRequest, type CampaignRequest } from './engine/request-hash.ts';
import { adoptCampaign, reconcileOpenJobs } from './engine/restart-reconciliation.ts';
import { TrackedCampaigns, type Tracked } from './engine/tracked-campaigns.ts';
import { planWaves } from './wave-plan.ts';

export { deviceJobId, deviceJobKey } from './engine/device-jobs.ts';
export type { CampaignRequest, DeviceView };

export interface CampaignEngineOptions {
  queue: QueueDriver;
  store: CampaignStore;
  logger?: QueueLogger;
  /** Period of the check of open jobs against the queue, in milliseconds. */
  reconcileIntervalMs?: number;
  /** How long a finished campaign is kept, in milliseconds. */
  retentionMs?: number;
}

const finishedStates = new Set(['completed', 'halted', 'aborted']);

/**
 * Composes the engine's parts (engine/): request hashing, wave release, queue-event
 * bookkeeping, outcome writes, cancel, device paging and restart reconciliation. It owns the
 * lifecycle (start, the periodic check, close) and the one-evaluation-at-a-time rule.
 */
export class CampaignEngine {
  readonly #store: CampaignStore;
  readonly #reconcileIntervalMs: number;
  readonly #tracked = new TrackedCampaigns();
  readonly #ctx: EngineContext;
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #closed = false;

  constructor(options: CampaignEngineOptions) {
    this.#store = options.store;
    this.#reconcileIntervalMs = options.reconcileIntervalMs ?? campaignDefaults.reconcileIntervalMs;
    this.#ctx = {
      queue: options.queue,
      store: options.store,
      logger: options.logger,
      tracked: this.#tracked,
      retentionMs: options.retentionMs ?? campaignDefaults.retentionMs,
      closed: () => this.#closed,
      scheduleEvaluate: (t) => this.#scheduleEvaluate(t),
    };
  }

  get store(): CampaignStore {
    return this.#store;
  }

  /** Subscribes to the queue's events, picks up the campaigns left unsettled (a restart), and starts the periodic check. */
  async start(): Promise<void> {
    // Subscribe before reading the store, or an event between the two would be lost.
    this.#unsubscribe = this.#ctx.queue.subscribe((event) => onQueueEvent(this.#ctx, event));
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
    for (const t of this.#tracked.all()) busy.push(t.releasing, t.evaluating);
    await Promise.allSettled(busy.filter((p) => p !== undefined));
  }

  /**
   * Stores the campaign and starts releasing its first wave (in the background: the answer does
   * not wait for the jobs to be enqueued). With an idempotency key, a second identical request
   * answers the existing campaign (`created: false`); a different one with the key is `CONFLICT`.
   */
  async create(request: CampaignRequest): Promise<{ campaign: StoredCampaign; created: boolean }> {
    const id = campaignIdFor(request);
    const devices: CampaignDevice[] = request.devices.map((d, index) => ({
      id: d.id,
      dst: d.dst ?? renderDst(request.dstTemplate, { campaign: id, device: d.id, index }),
    }));
    // The firmware URL's userinfo never enters the record (see campaign-credentials.ts).
    const { url: firmwareUrl, credentials } = splitFirmwareCredentials(request.firmware.url);
    const specHash = hashRequest(request, firmwareUrl);
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
      ...(credentials === null ? {} : { credentials: true as const, credentialsVerifier: await credentialVerifier(credentials) }),
    };
    // Stored before the campaign, so no release (here or on another server) finds them missing; taken back when the id was taken.
    const planted = credentials !== null && (await this.#store.putCredentials(id, credentials));
    const outcome = await this.#store.create(spec, devices);
    if (outcome === 'exists' && planted) await this.#store.deleteCredentials(id);
    const stored = await this.#store.get(id);
    if (stored === null) throw new CourierError('NOT_FOUND', `campaign ${id} vanished right after it was created`);
    if (outcome === 'exists') {
      if (stored.specHash !== specHash || !(await sameCredentials(stored, credentials))) {
        throw new CourierError('CONFLICT', `idempotencyKey: campaign ${id} was created with another request`, { field: 'idempotencyKey' });
      }
      return { campaign: stored, created: false };
    }
    this.#ctx.logger?.info({ campaign: id, devices: devices.length, waves: spec.waves.length }, 'campaign created');
    this.#scheduleEvaluate(this.#tracked.track(spec));
    return { campaign: stored, created: true };
  }

  /** The stored campaign, or null. */
  get(id: string): Promise<StoredCampaign | null> {
    return this.#store.get(id);
  }

  /** Live figures this process has from the queue's events: bytes on disk and jobs running, per wave. */
  live(campaign: StoredCampaign): { activeBytes: number; activeByWave: number[] } {
    return liveFigures(campaign, this.#tracked.get(campaign.id));
  }

  /** A page of devices with their states (see engine/device-paging.ts). */
  devices(campaign: StoredCampaign, page: DevicePage): Promise<{ total: number; items: DeviceView[] }> {
    return pageDevices(this.#store, this.#ctx.queue, campaign, page);
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
    const cancelled = await cancelWaiting(this.#ctx, id);
    this.#ctx.logger?.info({ campaign: id, cancelled }, 'campaign aborted');
    if (t !== undefined) this.#scheduleEvaluate(t);
    const campaign = await this.#store.get(id);
    return { campaign: campaign!, cancelled };
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
          await evaluateCampaign(this.#ctx, t);
        } while (t.evaluateAgain && !this.#closed);
      } catch (error) {
        this.#ctx.logger?.warn({ err: error, campaign: t.id }, 'campaign: evaluation failed; the next check retries');
      } finally {
        t.evaluating = undefined;
      }
    })();
  }

  /** The periodic check: adopt unwatched campaigns, compare open jobs with the queue, evaluate. */
  #tick(): Promise<void> {
    if (this.#ticking !== undefined || this.#closed) return this.#ticking ?? Promise.resolve();
    this.#ticking = (async () => {
      try {
        for (const id of await this.#store.unsettled()) if (this.#tracked.get(id) === undefined) await adoptCampaign(this.#ctx, id);
        for (const t of this.#tracked.all()) {
          if (t.releasing === undefined) await reconcileOpenJobs(this.#ctx, t);
          this.#scheduleEvaluate(t);
        }
      } catch (error) {
        this.#ctx.logger?.warn({ err: error }, 'campaign check failed; retried at the next one');
      } finally {
        this.#ticking = undefined;
      }
    })();
    return this.#ticking;
  }
}

export { finishedStates as campaignFinishedStates };

/** The stored campaign was made with these credentials (or both have none). */
async function sameCredentials(stored: StoredCampaign, credentials: HeaderPair[] | null): Promise<boolean> {
  if (credentials === null || stored.credentialsVerifier === undefined) return credentials === null && stored.credentials !== true;
  return matchesVerifier(credentials, stored.credentialsVerifier);
}
