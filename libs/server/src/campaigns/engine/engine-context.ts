// What the engine's parts share: the queue, the store, the watched campaigns, and the hooks
// back into the engine (evaluate a campaign, is it closing).
import type { QueueDriver, QueueLogger } from '@courier/queue';
import type { CampaignStore } from '../campaign-store.ts';
import type { Tracked, TrackedCampaigns } from './tracked-campaigns.ts';

export interface EngineContext {
  readonly queue: QueueDriver;
  readonly store: CampaignStore;
  readonly logger: QueueLogger | undefined;
  readonly tracked: TrackedCampaigns;
  /** How long a finished campaign is kept, in milliseconds. */
  readonly retentionMs: number;
  closed(): boolean;
  /** Has the campaign evaluated (coalesced: one evaluation at a time per campaign). */
  scheduleEvaluate(t: Tracked): void;
}
