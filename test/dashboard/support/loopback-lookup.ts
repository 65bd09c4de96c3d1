// A `lookup` for the origin client that resolves every name to 127.0.0.1, so one loopback
// fixture serves as many origins as a test wants (`api-7.fleet.test:PORT`, …), and that can hold
// chosen names until a latch opens: an actor then stays in `connecting` while a test looks.
import type { LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';

type Callback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

export interface LoopbackLookup {
  lookup: LookupFunction;
  /** Holds lookups of `hostname` until the returned release function is called. */
  hold(hostname: string): () => void;
}

export function loopbackLookup(): LoopbackLookup {
  const held = new Map<string, Promise<void>>();
  const lookup = ((hostname: string, options: { all?: boolean }, callback: Callback) => {
    const gate = held.get(hostname) ?? Promise.resolve();
    void gate.then(() => {
      if (options.all) callback(null, [{ address: '127.0.0.1', family: 4 }]);
      else callback(null, '127.0.0.1', 4);
    });
  }) as unknown as LookupFunction;
  return {
    lookup,
    hold(hostname) {
      let release!: () => void;
      held.set(hostname, new Promise<void>((resolve) => (release = resolve)));
      return () => release();
    },
  };
}
