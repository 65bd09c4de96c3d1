export type {
  CloseConnectionsReport,
  DownloadResult,
  EnqueueMode,
  EnqueueOptions,
  EnqueueResult,
  FleetOriginSnapshot,
  FleetSource,
  FleetView,
  FleetWorkerState,
  JobError,
  JobHandler,
  JobProgress,
  JobRecord,
  JobResult,
  JobState,
  QueueCounts,
  QueueDriver,
  QueueEvent,
  QueueLogger,
  QueueWorker,
  RequestResult,
  WorkerOptions,
} from './lib/driver.ts';
export {
  downloadJobSchema,
  jobKinds,
  jobSchema,
  parseJob,
  parseJobs,
  requestJobSchema,
  type DownloadJob,
  type HeaderPair,
  type JobInput,
  type JobInputLike,
  type JobKind,
  type RequestJob,
} from './lib/job-schema.ts';
export { queueDefaults } from './lib/defaults.ts';
export { ConfigError, emptyAsUnset, integerSetting, logLevelSetting, nameSetting, optionalNameSetting, parseEnv, type LogLevel } from './lib/config-settings.ts';
export { createQueue, type CreateQueueExtraOptions } from './lib/create-queue.ts';
export type { CreateQueueOptions, RetentionOptions } from './lib/queue-options.ts';
export { MemoryDriver } from './lib/memory/memory-driver.ts';
export { BullmqDriver, type BullmqDriverOptions } from './lib/bullmq/bullmq-driver.ts';
export { ShardedDriver, type ShardedDriverOptions } from './lib/cluster/sharded-driver.ts';
export { parseClusterNodes, type ClusterNode } from './lib/cluster/cluster-connection.ts';
export { clusterNodesSetting, loadClusterSettings, queueShardsSetting } from './lib/cluster/cluster-settings.ts';
export { keySlot, shardOf, shardPrefixes } from './lib/cluster/shard-routing.ts';
export { depthLedgerKeys, type DepthLedgerKeys } from './lib/bullmq/depth-ledger.ts';
export { REDACTED, credentialHeaderNames, parseSensitiveHeaders, redactRedirects, redactResponseHeaders, redactUserinfo, sensitiveHeaderNames, sensitiveHeadersSetting } from './lib/credentials.ts';
export { jobIdForKey } from './lib/job-ids.ts';
export {
  backoffDelay,
  isIdempotentMethod,
  isRetryableStatus,
  parseRetryAfter,
  retryPlan,
  toJobError,
  type RetryOptions,
  type RetryPlan,
} from './lib/retry-policy.ts';
export { runRequestJob, type RequestJobRun, type RunRequestOptions } from './lib/request-job.ts';
export { bodyFileName } from './lib/result-body.ts';
export { sweepResults, sweepResultsBySize, sweepResultsOnce, type SweepLimits } from './lib/results-sweeper.ts';
export { clampLimit, defaultUpstreamLimits, effectiveRequestLimits, type UpstreamLimits } from './lib/upstream-limits.ts';
export { openResultBody, type ResultBodyFile } from './lib/result-body.ts';
export {
  createJobHandlers,
  requestJobHandler,
  defaultJobHandlers,
  JobHandlerRegistry,
  registerJobHandler,
  type JobContext,
  type KindHandler,
  type QueuedJob,
} from './lib/job-handlers.ts';
export { defaultResultsDir, startWorker, type StartWorkerOptions } from './lib/start-worker.ts';
export type { OriginLimit, OriginLimitOverride, OriginLimitsConfig } from './lib/limits/limits-config.ts';
export {
  broadcastCloseConnections,
  publishFleetState,
  readFleetState,
  type BroadcastCloseOptions,
  type FleetKeysOptions,
  type FleetPublisher,
  type PublishFleetStateOptions,
} from './lib/fleet-state.ts';
