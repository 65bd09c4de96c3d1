/**
 * The queue's Lua scripts (`commands/`), loaded through @courier/redis-scripts: registered on a
 * connection as `courier:queue:<name>:<hash>`.
 */
import { loadScriptSet } from '@courier/redis-scripts';

const queueScripts = loadScriptSet(new URL('./commands/', import.meta.url), 'queue', [
  'acquireSlot',
  'renewLease',
  'releaseLease',
  'takeToken',
  'storeSecrets',
  'reserveDepth',
  'releaseDepth',
  'acquireSlots',
  'addBatchMembers',
  'claimBatchMembers',
  'finishBatchMembers',
]);

export const scripts = queueScripts.scripts;
export const runScript = queueScripts.run;
export const scriptPipeline = queueScripts.pipeline;
export const pipelineScript = queueScripts.queue;
