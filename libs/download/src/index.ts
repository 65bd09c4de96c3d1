export { download, downloadStats } from './lib/download.ts';
export { downloadWithProgress, type DownloadWithProgress } from './lib/with-progress.ts';
export type { DownloadOptions, DownloadPhase, DownloadProgress, DownloadResult, DownloadSource } from './lib/types.ts';
export { ProgressMeter, ProgressStream, type ProgressMeterOptions } from './lib/progress.ts';
export { BandwidthLimiter, createBandwidthLimiter } from './lib/bandwidth.ts';
export { resolveDestination } from './lib/confine.ts';
export {
  createDownloadCache,
  DownloadCache,
  type CacheFetchRequest,
  type CacheFetchResult,
  type DownloadCacheOptions,
} from './lib/cache/download-cache.ts';
export type { EvictionReport } from './lib/cache/eviction.ts';
export {
  createDownloadJobHandler,
  downloadJobInputSchema,
  type QueuedDownloadJob,
  type DownloadJobHandler,
  type DownloadJobHandlerOptions,
  type DownloadJobInput,
  type DownloadJobProgress,
  type DownloadJobResult,
} from './lib/job-handler.ts';
export { downloadChannels, type DownloadEndMessage } from './lib/diagnostics.ts';
export { cacheDefaults, downloadDefaults } from './lib/defaults.ts';
export { startStalePartSweeper, sweepStaleParts } from './lib/stale-parts.ts';
