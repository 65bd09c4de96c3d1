// Watches `http.hasconnection(remote)` from inside a scheduler, as a Pluto script would (an
// addloop), and turns its changes into promises a test can await.
import { setTimeout as sleep } from 'node:timers/promises';
import { Scheduler, type PlutoHttp } from '@courier/scheduler';

export interface ConnectionWatch {
  readonly sched: Scheduler;
  /** Every value seen, each with when it was first seen (epoch ms): changes only. */
  readonly changes: Array<{ value: boolean; at: number }>;
  readonly value: boolean;
  /** Resolves (with the time) once the value is `value`; rejects after `timeoutMs`. */
  becomes(value: boolean, timeoutMs: number): Promise<number>;
  stop(): void;
}

export function watchConnection(http: PlutoHttp, remote: string): ConnectionWatch {
  const sched = new Scheduler();
  // Pluto's yieldfunc sleeps 1 ms between passes; a few ms keeps this loop off the shared cores.
  sched.yieldfunc = () => sleep(5);
  const changes: Array<{ value: boolean; at: number }> = [];
  const waiters: Array<{ value: boolean; resolve: (at: number) => void }> = [];
  let stopped = false;
  sched.addloop(() => {
    const now = http.hasconnection(remote);
    if (changes.at(-1)?.value !== now) {
      const at = Date.now();
      changes.push({ value: now, at });
      for (const w of waiters.filter((w) => w.value === now)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(at);
      }
    }
    if (stopped) return false;
  });
  void sched.run();
  return {
    sched,
    changes,
    get value() {
      return changes.at(-1)?.value ?? false;
    },
    becomes(value, timeoutMs) {
      if (changes.at(-1)?.value === value) return Promise.resolve(changes.at(-1)!.at);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`hasconnection(${remote}) did not become ${value} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          value,
          resolve: (at) => {
            clearTimeout(timer);
            resolve(at);
          },
        });
      });
    },
    stop() {
      stopped = true;
    },
  };
}
