/**
 * The shapes of a rollout campaign: what is stored (by either store) and what the engine reads.
 * A campaign is one firmware for a list of devices, released in cumulative waves; the next wave
 * starts when the current one has finished with a failure ratio at or below the threshold.
 */

/** `running` → `completed` (every wave passed), `halted` (a wave's failure ratio passed the threshold) or `aborted` (DELETE). */
export type CampaignState = 'running' | 'completed' | 'halted' | 'aborted';

/** A device's outcome once its job has finished (kept per device by the store). */
export type DeviceOutcome = 'completed' | 'failed' | 'cancelled';

/** A device's state as the API shows it. `pending`: its wave is not released yet; `skipped`: never will be. */
export type DeviceState = 'pending' | 'waiting' | 'active' | DeviceOutcome | 'skipped';

/** A wave's state as the API shows it. */
export type WaveState = 'pending' | 'running' | 'passed' | 'halted' | 'aborted' | 'skipped';

export interface Firmware {
  /** Where devices fetch it; `{device}` is replaced by the URL-encoded device id (per-device URLs). Never with userinfo: see `CampaignSpec.credentials`. */
  url: string;
  /** SHA-256 of the image, 64 lower-case hex digits (every device's file is verified against it). */
  sha256: string;
  /** Size of the image, in bytes. */
  size: number;
}

/** One device of a campaign: its id and the `dst` its download job writes (relative to the workers' download root). */
export interface CampaignDevice {
  id: string;
  dst: string;
}

/** A wave's slice of the device list (`start` inclusive, `end` exclusive), fixed at creation. */
export interface WavePlan {
  /** The cumulative fraction the caller asked for (0 < fraction ≤ 1). */
  fraction: number;
  start: number;
  end: number;
}

/** Counters and times of one wave, as stored. */
export interface WaveProgress {
  /** Devices of this wave whose jobs have been enqueued so far (0 … end − start). */
  released: number;
  /** Epoch ms when the wave's release began. */
  releasedAt?: number;
  /** Epoch ms when the wave's last job finished. */
  finishedAt?: number;
  completed: number;
  failed: number;
  cancelled: number;
}

/** Why a campaign halted: the wave and its figures at that moment. */
export interface HaltInfo {
  wave: number;
  /** failed ÷ (completed + failed) of that wave when it halted. */
  failureRatio: number;
  failed: number;
  finished: number;
  /** True when the halt came before the wave's last job finished (the failures already passed the threshold for sure). */
  early: boolean;
}

/** What never changes after creation. */
export interface CampaignSpec {
  id: string;
  name: string | null;
  createdAt: number;
  firmware: Firmware;
  /** A wave whose failure ratio is above this (0–1) halts the campaign. */
  failureThreshold: number;
  /** Attempts per device job (queue-level retries), or null for the queue's default. */
  attempts: number | null;
  deviceCount: number;
  waves: WavePlan[];
  /** Hash of the creation request, so an idempotent create can tell "same" from "conflict". */
  specHash: string;
  /** The firmware URL had userinfo: its credential headers are in the store's credential slot (the URL here has none). */
  credentials?: true;
  /**
   * With `credentials`: a salted scrypt verifier of them (engine/credential-verifier.ts), so a
   * repeated create can be told apart from one with another password after the slot is gone.
   * Never shown in answers (campaign-view.ts picks its fields).
   */
  credentialsVerifier?: string;
}

/** What changes as the campaign runs. */
export interface CampaignStatus {
  state: CampaignState;
  /** Index of the wave being released or run (the last one once the campaign has completed). */
  wave: number;
  finishedAt?: number;
  halt?: HaltInfo;
  /** True once the campaign is over and every job it released has an outcome: nothing left to watch. */
  settled: boolean;
  waves: WaveProgress[];
}

export interface StoredCampaign extends CampaignSpec {
  status: CampaignStatus;
}
