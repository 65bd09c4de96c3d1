import type { OriginSnapshot } from '@courier/origin';

/** A settled origin's snapshot (one idle reusable socket, three requests done), for fleet-view specs. */
export function originSnapshot(origin: string, patch: Partial<OriginSnapshot> = {}): OriginSnapshot {
  return {
    origin,
    key: origin,
    state: 'available',
    sockets: { connected: 1, connecting: 0, free: 1, busy: 0, reusable: 1 },
    inFlight: 0,
    queued: 0,
    completed: 3,
    failed: 0,
    lastError: null,
    ...patch,
  };
}
