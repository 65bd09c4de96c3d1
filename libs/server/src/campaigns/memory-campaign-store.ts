import type { HeaderPair } from '@courier/queue';
import type { CampaignStore, StatusPatch, StoredOutcome } from './campaign-store.ts';
import type { CampaignDevice, CampaignSpec, CampaignState, StoredCampaign } from './campaign-types.ts';

interface Entry {
  campaign: StoredCampaign;
  devices: readonly CampaignDevice[];
  outcomes: Map<number, StoredOutcome>;
  expiresAt?: number;
}

/** Campaigns in this process (the in-memory queue driver's companion): the same contract, gone with the process. */
export class MemoryCampaignStore implements CampaignStore {
  readonly kind = 'memory' as const;
  readonly #entries = new Map<string, Entry>();
  /** Firmware credentials by campaign id, apart from the entries (as the Redis store keeps them apart). */
  readonly #credentials = new Map<string, HeaderPair[]>();

  async create(spec: CampaignSpec, devices: readonly CampaignDevice[]): Promise<'created' | 'exists'> {
    this.#prune();
    if (this.#entries.has(spec.id)) return 'exists';
    const waves = spec.waves.map(() => ({ released: 0, completed: 0, failed: 0, cancelled: 0 }));
    this.#entries.set(spec.id, {
      campaign: { ...spec, status: { state: 'running', wave: 0, settled: false, waves } },
      devices: [...devices],
      outcomes: new Map(),
    });
    return 'created';
  }

  async get(id: string): Promise<StoredCampaign | null> {
    this.#prune();
    const entry = this.#entries.get(id);
    return entry === undefined ? null : structuredClone(entry.campaign);
  }

  async list(offset: number, limit: number): Promise<{ total: number; ids: string[] }> {
    this.#prune();
    const all = [...this.#entries.values()].map((e) => e.campaign).sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
    return { total: all.length, ids: all.slice(offset, offset + limit).map((c) => c.id) };
  }

  async unsettled(): Promise<string[]> {
    return [...this.#entries.values()].filter((e) => !e.campaign.status.settled).map((e) => e.campaign.id);
  }

  async devices(id: string, start: number, count: number): Promise<CampaignDevice[]> {
    return (this.#entries.get(id)?.devices ?? []).slice(start, start + count);
  }

  async outcomes(id: string, indices: readonly number[]): Promise<Array<StoredOutcome | null>> {
    const outcomes = this.#entries.get(id)?.outcomes;
    return indices.map((i) => outcomes?.get(i) ?? null);
  }

  async allOutcomes(id: string): Promise<Map<number, StoredOutcome>> {
    return new Map(this.#entries.get(id)?.outcomes ?? []);
  }

  async recordOutcome(id: string, index: number, wave: number, outcome: StoredOutcome): Promise<boolean> {
    const entry = this.#entries.get(id);
    const counters = entry?.campaign.status.waves[wave];
    if (entry === undefined || counters === undefined || entry.outcomes.has(index)) return false;
    entry.outcomes.set(index, outcome);
    counters[outcome.outcome] += 1;
    return true;
  }

  async transition(id: string, expected: { state: CampaignState; wave: number }, patch: StatusPatch): Promise<boolean> {
    const status = this.#entries.get(id)?.campaign.status;
    if (status === undefined || status.state !== expected.state || status.wave !== expected.wave) return false;
    Object.assign(status, patch);
    return true;
  }

  async markReleased(id: string, wave: number, released: number, at: number): Promise<void> {
    const counters = this.#entries.get(id)?.campaign.status.waves[wave];
    if (counters === undefined) return;
    counters.released = Math.max(counters.released, released);
    counters.releasedAt ??= at;
  }

  async markWaveFinished(id: string, wave: number, at: number): Promise<void> {
    const counters = this.#entries.get(id)?.campaign.status.waves[wave];
    if (counters !== undefined) counters.finishedAt ??= at;
  }

  async putCredentials(id: string, headers: readonly HeaderPair[]): Promise<boolean> {
    if (this.#credentials.has(id)) return false;
    this.#credentials.set(id, headers.map(([name, value]): HeaderPair => [name, value]));
    return true;
  }

  async credentials(id: string): Promise<HeaderPair[] | null> {
    return this.#credentials.get(id)?.map(([name, value]): HeaderPair => [name, value]) ?? null;
  }

  async deleteCredentials(id: string): Promise<void> {
    this.#credentials.delete(id);
  }

  async settle(id: string, retentionMs: number): Promise<void> {
    this.#credentials.delete(id);
    const entry = this.#entries.get(id);
    if (entry === undefined) return;
    entry.campaign.status.settled = true;
    entry.expiresAt = Date.now() + retentionMs;
  }

  async close(): Promise<void> {
    this.#entries.clear();
    this.#credentials.clear();
  }

  #prune(): void {
    const now = Date.now();
    for (const [id, entry] of this.#entries) if (entry.expiresAt !== undefined && entry.expiresAt <= now) this.#entries.delete(id);
  }
}
