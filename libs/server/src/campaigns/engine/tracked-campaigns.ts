// What this process watches live: per campaign, its released jobs without an outcome yet, and
// the index from a job id back to its campaign (the queue's events carry only the job id).
import type { CampaignSpec } from '../campaign-types.ts';

/** What the engine knows live about a campaign it watches (the store has the rest). */
export interface Tracked {
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

export class TrackedCampaigns {
  readonly #byId = new Map<string, Tracked>();
  readonly #byJob = new Map<string, { campaign: Tracked; index: number }>();

  get(id: string): Tracked | undefined {
    return this.#byId.get(id);
  }

  all(): Tracked[] {
    return [...this.#byId.values()];
  }

  /** The campaign and device of a job this process watches. */
  byJob(jobId: string): { campaign: Tracked; index: number } | undefined {
    return this.#byJob.get(jobId);
  }

  track(spec: CampaignSpec): Tracked {
    const known = this.#byId.get(spec.id);
    if (known !== undefined) return known;
    const t: Tracked = { id: spec.id, spec, open: new Map(), unconfirmed: new Set(), active: new Map(), evaluateAgain: false };
    this.#byId.set(spec.id, t);
    return t;
  }

  untrack(t: Tracked): void {
    for (const jobId of t.open.keys()) this.#byJob.delete(jobId);
    this.#byId.delete(t.id);
  }

  /** A released job whose outcome is awaited. */
  register(t: Tracked, jobId: string, index: number): void {
    t.open.set(jobId, index);
    this.#byJob.set(jobId, { campaign: t, index });
  }

  /** A job no longer awaited: its outcome is recorded, or its enqueue failed. */
  forget(t: Tracked, jobId: string): void {
    t.open.delete(jobId);
    t.unconfirmed.delete(jobId);
    t.active.delete(jobId);
    this.#byJob.delete(jobId);
  }
}
