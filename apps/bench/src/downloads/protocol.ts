/** Messages between the downloads suite and its child processes, over their IPC channels. */

/** From the body server (`body-server-main.ts`). */
export type FromBodyServer =
  | { type: 'ready'; port: number; sha256: string; etag: string }
  | { type: 'stats'; requests: number; rangeRequests: number; bytesSent: number; cpuMicros: number }
  | { type: 'failed'; message: string };

export type ToBodyServer = { type: 'stats' } | { type: 'stop' };

/**
 * What a Courier child (`courier-download-main.ts`, `worker-download-main.ts`) is asked to do, as
 * its argv[2] (JSON).
 */
export interface CourierJob {
  url: string;
  /** Absolute path of the file to write. */
  dst: string;
  sha256: string;
  size: number;
  /** How long the download may take, in milliseconds (the parent kills the child after it too). */
  timeoutMs: number;
}

/** From a Courier child: one message, then it exits. */
export type FromCourierChild =
  | {
      type: 'done';
      /**
       * From just before `download()` to its resolution (fsync and rename included), or from the
       * enqueue to the job's completion (the worker child), in milliseconds.
       */
      elapsedMs: number;
      bytes: number;
      sha256: string;
      /** Peak resident set size of the whole process, start-up included, in bytes. */
      maxRssBytes: number;
      /** Resident set size just before `download()` (node and the bundle loaded; the worker child: its worker started), in bytes. */
      startRssBytes: number;
      /** CPU time (user + system, every thread) spent in `download()` (or the job), in microseconds. */
      cpuMicros: number;
    }
  | { type: 'failed'; code: string; message: string };
