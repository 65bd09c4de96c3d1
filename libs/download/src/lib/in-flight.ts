import { abortedError } from './sleep.ts';
import type { DownloadProgress } from './types.ts';

export interface Participant {
  signal?: AbortSignal;
  onProgress?: (progress: DownloadProgress) => void;
}

/** Starts the shared work; `signal` fires when it is no longer wanted, `progress` reaches every participant. */
export type TaskStart<T> = (signal: AbortSignal, progress: (p: DownloadProgress) => void) => Promise<T>;

export interface Joined<T> {
  /** True for the participant that started the work. */
  leader: boolean;
  /** Settles with the shared work, or rejects with `ABORTED` as soon as this participant's signal fires. */
  result: Promise<T>;
}

interface Task<T> {
  promise: Promise<T>;
  controller: AbortController;
  participants: number;
  listeners: Set<(p: DownloadProgress) => void>;
}

/**
 * In-process single-flight: one running task per key, joined by every caller that asks for the
 * same key meanwhile. Who stops the work: with `ownerAborts`, the leader's abort stops it (its
 * file, its call); otherwise it stops only when every participant has left.
 */
export class InFlight<T> {
  readonly #tasks = new Map<string, Task<T>>();

  /** Keys with work running. */
  get size(): number {
    return this.#tasks.size;
  }

  /** Callers waiting on running work, leaders included. */
  get participants(): number {
    let n = 0;
    for (const task of this.#tasks.values()) n += task.participants;
    return n;
  }

  join(key: string, participant: Participant, start: TaskStart<T>, ownerAborts: boolean): Joined<T> {
    let task = this.#tasks.get(key);
    // Work that is being stopped is not joined: a new one starts once it has let go of its files.
    const stopping = task?.controller.signal.aborted ? task.promise.then(() => {}, () => {}) : undefined;
    if (stopping) task = undefined;
    const leader = task === undefined;
    if (!task) {
      const listeners = new Set<(p: DownloadProgress) => void>();
      const controller = new AbortController();
      const created: Task<T> = { controller, listeners, participants: 0, promise: Promise.resolve() as Promise<T> };
      const emit = (p: DownloadProgress) => {
        for (const listener of listeners) listener(p);
      };
      created.promise = (stopping ?? Promise.resolve())
        .then(() => {
          if (controller.signal.aborted) throw controller.signal.reason;
          return start(controller.signal, emit);
        })
        .finally(() => {
          if (this.#tasks.get(key) === created) this.#tasks.delete(key);
        });
      // Every participant may have left before it settles: its failure is nobody's unhandled rejection.
      created.promise.catch(() => {});
      this.#tasks.set(key, created);
      task = created;
    }
    const joined = task;
    joined.participants += 1;
    const { signal, onProgress } = participant;
    if (onProgress) joined.listeners.add(onProgress);

    const result = new Promise<T>((resolve, reject) => {
      let settled = false;
      const leave = () => {
        if (settled) return false;
        settled = true;
        joined.participants -= 1;
        if (onProgress) joined.listeners.delete(onProgress);
        signal?.removeEventListener('abort', onAbort);
        return true;
      };
      const onAbort = () => {
        if (!leave()) return;
        const reason = abortedError(signal);
        if ((ownerAborts && leader) || joined.participants === 0) {
          // This abort stops the work: answer once it has stopped, so the caller finds its part
          // file settled (and may resume it at once).
          joined.controller.abort(reason);
          joined.promise.then(
            () => reject(reason),
            () => reject(reason),
          );
        } else {
          reject(reason);
        }
      };
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      joined.promise.then(
        (value) => {
          if (leave()) resolve(value);
        },
        (error: unknown) => {
          if (leave()) reject(error);
        },
      );
    });
    return { leader, result };
  }
}
