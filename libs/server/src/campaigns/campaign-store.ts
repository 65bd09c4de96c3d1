import type { HeaderPair } from '@courier/queue';
import type { CampaignDevice, CampaignSpec, CampaignState, DeviceOutcome, HaltInfo, StoredCampaign } from './campaign-types.ts';

/** A device's recorded outcome; a failure keeps its error code. */
export interface StoredOutcome {
  outcome: DeviceOutcome;
  code?: string;
}

/** What a transition may change. */
export interface StatusPatch {
  state?: CampaignState;
  wave?: number;
  finishedAt?: number;
  halt?: HaltInfo;
}

/**
 * Where campaigns live: Redis with the BullMQ driver (they survive a server restart, and every
 * server on that Redis sees the same campaigns), memory with the in-memory driver (as its jobs
 * do, they end with the process). One contract for both; changes of state are compare-and-set
 * and outcomes are recorded once per device, so two servers driving one campaign can't count a
 * device twice or release a wave twice.
 */
export interface CampaignStore {
  readonly kind: 'memory' | 'redis';
  /** Stores a new campaign with its devices; `exists` (nothing written) when the id is taken. */
  create(spec: CampaignSpec, devices: readonly CampaignDevice[]): Promise<'created' | 'exists'>;
  get(id: string): Promise<StoredCampaign | null>;
  /** Ids, newest first, with the total (campaigns past their retention are gone). */
  list(offset: number, limit: number): Promise<{ total: number; ids: string[] }>;
  /** Campaigns still to watch: running, or over with released jobs still unfinished. */
  unsettled(): Promise<string[]>;
  /** Devices `start` … `start + count − 1`, in campaign order. */
  devices(id: string, start: number, count: number): Promise<CampaignDevice[]>;
  /** Outcomes of these device indices (null: none yet). */
  outcomes(id: string, indices: readonly number[]): Promise<Array<StoredOutcome | null>>;
  /** Every recorded outcome, by device index. */
  allOutcomes(id: string): Promise<Map<number, StoredOutcome>>;
  /** Records a device's outcome unless it has one; true when recorded (its wave's counter moved). */
  recordOutcome(id: string, index: number, wave: number, outcome: StoredOutcome): Promise<boolean>;
  /** Applies `patch` only if the campaign is still in `expected` (state and wave); true when applied. */
  transition(id: string, expected: { state: CampaignState; wave: number }, patch: StatusPatch): Promise<boolean>;
  /** Records how many of a wave's devices have been enqueued (and when its release began, the first time). */
  markReleased(id: string, wave: number, released: number, at: number): Promise<void>;
  markWaveFinished(id: string, wave: number, at: number): Promise<void>;
  /**
   * Stores the credential headers of a campaign's firmware URL unless some are stored already;
   * true when this call stored them. They live apart from the campaign (never in its record) and
   * go when it settles.
   */
  putCredentials(id: string, headers: readonly HeaderPair[]): Promise<boolean>;
  /** The credential headers, or null. */
  credentials(id: string): Promise<HeaderPair[] | null>;
  deleteCredentials(id: string): Promise<void>;
  /** Nothing left to watch: the campaign is kept `retentionMs` more, then forgotten (its credentials at once). */
  settle(id: string, retentionMs: number): Promise<void>;
  close(): Promise<void>;
}

export function encodeOutcome(o: StoredOutcome): string {
  return o.outcome === 'failed' ? `failed:${o.code ?? 'INTERNAL'}` : o.outcome;
}

export function decodeOutcome(value: string): StoredOutcome {
  if (value.startsWith('failed:')) return { outcome: 'failed', code: value.slice('failed:'.length) };
  return { outcome: value === 'cancelled' ? 'cancelled' : 'completed' };
}
