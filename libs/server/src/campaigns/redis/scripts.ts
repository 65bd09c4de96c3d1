/**
 * The campaign store's Lua scripts (`commands/`), loaded through @courier/redis-scripts:
 * registered on a connection as `courier:campaign:<name>:<hash>`.
 */
import { loadScriptSet } from '@courier/redis-scripts';
import type { Redis } from 'ioredis';

const campaignScripts = loadScriptSet(new URL('./commands/', import.meta.url), 'campaign', ['create', 'recordOutcome', 'transition', 'markReleased']);

export type CampaignScript = 'create' | 'recordOutcome' | 'transition' | 'markReleased';

/** Registers the scripts on `redis` and returns a caller for them (each returns an integer). */
export function defineCampaignScripts(redis: Redis): (name: CampaignScript, keys: string[], args: Array<string | number>) => Promise<number> {
  campaignScripts.define(redis);
  return async (name, keys, args) => (await campaignScripts.run(redis, name, keys, args)) as number;
}
