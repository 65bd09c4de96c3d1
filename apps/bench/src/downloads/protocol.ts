/** Messages between the downloads suite and its child processes, over their IPC channels. */

/** From the body server (`body-server-main.ts`). */
export type FromBodyServer =
  | { type: 'ready'; port: number; sha256: string; etag: string }
  | { type: 'stats'; requests: number; rangeRequests: number; bytesSent: number; cpuMicros: number }
  | { type: 'failed'; message: string };

export type ToBodyServer = { type: 'stats' } | { type: 'stop' };

/** What the Courier child (`courier-download-main.ts`) is asked to do, as its argv[2] (JSON). */
export interface CourierJob {
  url: string;
  /** Absolute path of the file to write. */
  dst: string;
  sha256: string;
  size: number;
}

/** From the Courier child: one message, then it exits. */
export type FromCourierChild =
  | {
      type: 'done';
      /** From just before `download()` to its resolution (fsync and rename included), in milliseconds. */
      elapsedMs: number;
      bytes: number;
      sha256: string;
      /** Peak resident set size of the whole process, start-up included, in bytes. */
      maxRssBytes: number;
      /** Resident set size just before `download()` (node, tsx and the libs loaded), in bytes. */
      startRssBytes: number;
      /** CPU time (user + system, every thread) spent in `download()`, in microseconds. */
      cpuMicros: number;
    }
  | { type: 'failed'; code: string; message: string };
