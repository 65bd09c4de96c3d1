/** Which worker a child process runs. */
export type WorkerKind = 'courier' | 'plain';

/** Requests from the bench to a worker child, over the IPC channel; each gets one reply with its id. */
export type WorkerRequest =
  /** The child's CPU time so far (process.cpuUsage, all threads), in microseconds. */
  | { id: number; op: 'cpu' }
  /** Start V8's sampling profiler. */
  | { id: number; op: 'profile-start' }
  /** Stop it and write the `.cpuprofile` to `path`. */
  | { id: number; op: 'profile-stop'; path: string }
  /** Stop the worker (finish what is active) and exit. */
  | { id: number; op: 'stop' };

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'reply'; id: number; value: number | null }
  | { type: 'error'; id: number; message: string }
  | { type: 'failed'; message: string };

/** Environment of a worker child (besides the `COURIER_*` ones the Courier worker reads itself). */
export const workerEnv = {
  redisUrl: 'REDIS_URL',
  prefix: 'COURIER_QUEUE_PREFIX',
  queueName: 'COURIER_QUEUE_NAME',
  concurrency: 'COURIER_CONCURRENCY',
} as const;
