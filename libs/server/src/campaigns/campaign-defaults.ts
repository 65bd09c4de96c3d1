/** Limits and timings of campaigns, in one place (STYLE §7). */
export const campaignDefaults = {
  /** Most devices in one campaign (→ 400 naming `devices`). */
  maxDevices: 100_000,
  /** Most waves in one campaign. */
  maxWaves: 20,
  /** Waves when the request gives none: 1 %, 10 %, then everyone. */
  waves: [0.01, 0.1, 1] as readonly number[],
  /** Failure threshold when the request gives none (a ratio, 0–1). */
  failureThreshold: 0.1,
  /** Where each device's file goes, relative to the workers' download root. */
  dstTemplate: 'campaigns/{campaign}/{device}/firmware.bin',
  /** Devices on one page of `GET /v1/campaigns/:id` by default, and at most. */
  devicePage: 100,
  maxDevicePage: 1_000,
  /** Campaigns on one page of `GET /v1/campaigns` by default, and at most. */
  listPage: 50,
  maxListPage: 500,
  /** Jobs enqueued per batch while a wave is released (the store records progress after each). */
  releaseBatch: 500,
  /** How often running campaigns are checked against the queue (events can be lost: a restart, BullMQ's capped stream), in milliseconds. */
  reconcileIntervalMs: 2_000,
  /** Jobs looked up per campaign per check. */
  reconcileBatch: 200,
  /** Lookups or cancels in flight at once. */
  queueCallConcurrency: 32,
  /** A finished campaign's state is kept this long, in milliseconds (Redis must not grow without bound). */
  retentionMs: 7 * 24 * 60 * 60_000,
} as const;
