/**
 * The worker loop: takes jobs from a queue driver and runs each through the handler registered
 * for its kind, with a `@courier/origin` client. Per-origin limits, retries, stalled-job recovery
 * and graceful close are the driver's; this wires the handlers, the client and the result files.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@courier/origin';
import { queueDefaults } from './defaults.ts';
import type { FleetSource, QueueDriver, QueueWorker, WorkerOptions } from './driver.ts';
import { defaultJobHandlers, type JobContext, type JobHandlerRegistry } from './job-handlers.ts';
import { startResultsSweeper } from './results-sweeper.ts';
import { defaultUpstreamLimits, type UpstreamLimits } from './upstream-limits.ts';

export interface StartWorkerOptions extends WorkerOptions {
  queue: QueueDriver;
  client: Client;
  /**
   * A second client, with Pluto's pool, for `plutoPool` request jobs (the Pluto facade's fleet
   * transport sends them). Its sockets are published and drained with `client`'s.
   */
  plutoClient?: Client;
  /** Where bodies too large to inline are written. Default `<tmpdir>/courier-results`. */
  resultsDir?: string;
  /** Largest body kept inline in a result, in bytes. Default 64 KiB. */
  inlineBodyBytes?: number;
  /** Body files older than this are deleted, in milliseconds (0 = never). Default: completed-job retention. */
  resultsMaxAgeMs?: number;
  /** Body files kept in all, in bytes: the sweep deletes the oldest past it (0 = no cap). Default 4 GiB. */
  resultsMaxBytes?: number;
  /** The operator's maxima for request jobs: a job may lower them, not raise them. Default `queueDefaults.upstream`. */
  upstreamLimits?: Partial<UpstreamLimits>;
  handlers?: JobHandlerRegistry;
}

export function defaultResultsDir(): string {
  return join(tmpdir(), 'courier-results');
}

/** What the worker publishes and drains: its client's origins, and its Pluto client's too. */
function fleetSource(client: Client, plutoClient: Client | undefined): FleetSource {
  if (!plutoClient) return client;
  return {
    origins: () => [...client.origins(), ...plutoClient.origins()],
    closeConnections: (remote) => Promise.all([client.closeConnections(remote), plutoClient.closeConnections(remote)]).then(() => {}),
  };
}

export function startWorker(options: StartWorkerOptions): QueueWorker {
  const { queue, client, plutoClient, handlers = defaultJobHandlers, ...workerOptions } = options;
  const workerId = options.workerId ?? `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  const context: JobContext = {
    client,
    ...(plutoClient ? { plutoClient } : {}),
    workerId,
    resultsDir: options.resultsDir ?? defaultResultsDir(),
    inlineBodyBytes: options.inlineBodyBytes ?? queueDefaults.inlineBodyBytes,
    limits: { ...defaultUpstreamLimits, ...stripUndefined(options.upstreamLimits ?? {}) },
    ...(options.logger ? { logger: options.logger } : {}),
  };
  // Made once here so the hot path never has to; a missing directory later is a DISK_ERROR.
  mkdirSync(context.resultsDir, { recursive: true });
  const maxAgeMs = options.resultsMaxAgeMs ?? queueDefaults.retention.completedAgeMs;
  const maxBytes = options.resultsMaxBytes ?? queueDefaults.resultsMaxBytes;
  const stopSweeper =
    maxAgeMs > 0 || maxBytes > 0
      ? startResultsSweeper(context.resultsDir, { maxAgeMs, maxBytes }, Math.min(maxAgeMs > 0 ? maxAgeMs : 60_000, 60_000), options.logger)
      : () => {};
  const worker = queue.startWorker((job) => handlers.handle(job, context), { ...workerOptions, workerId, fleet: options.fleet ?? fleetSource(client, plutoClient) });
  return {
    id: worker.id,
    close(graceMs) {
      stopSweeper();
      return worker.close(graceMs);
    },
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
