import { originIdOf, remoteToUrl, type Client, type OriginRequestStats, type OriginSnapshot } from '@courier/origin';
import type { FleetView } from '@courier/queue';

/** One origin actor as the API shows it; `workerId` says whose actor it is in the fleet view. */
export interface OriginView extends OriginSnapshot {
  workerId?: string;
  /** Fleet view: that worker's own requests to the origin over the last minute (absent when it ran none). */
  requests?: OriginRequestStats;
}

export interface CloseConnectionsOutcome {
  /** Workers that reported drained (1 for the local view). */
  workers: number;
  /** Workers live at the call that died or did not answer in time (fleet view only). */
  missing: string[];
}

/**
 * Where `/v1/origins` and `/v1/connections` look: the local client's actors on the in-memory
 * driver, the fleet-wide state that workers publish to Redis on the BullMQ driver.
 */
export interface OriginsView {
  readonly scope: 'local' | 'fleet';
  list(): Promise<OriginView[]>;
  /** Pluto's `hasconnection`: a reusable socket exists for the remote's origin (path ignored). */
  hasConnection(remote: string): Promise<boolean>;
  /** Pluto's `closeconnections`: resolves when the in-flight requests at the call have finished. */
  closeConnections(remote?: string): Promise<CloseConnectionsOutcome>;
}

/** The view over this process's own client (what the in-process worker uses). */
export function localOriginsView(client: Client): OriginsView {
  return {
    scope: 'local',
    list: async () => client.origins(),
    hasConnection: async (remote) => client.hasConnection(remote),
    closeConnections: async (remote) => {
      await client.closeConnections(remote);
      return { workers: 1, missing: [] };
    },
  };
}

/**
 * The fleet-wide view: what every live worker published (its heartbeat hash in Redis), and
 * `closeconnections` broadcast to all of them. `hasConnection` follows Pluto's meaning across
 * the fleet: some live worker holds a reusable socket, idle or busy, to that origin.
 */
export function fleetOriginsView(fleet: FleetView): OriginsView {
  return {
    scope: 'fleet',
    async list() {
      const workers = await fleet.workers();
      return workers.flatMap((w) => w.origins.map((o) => ({ ...o, workerId: w.workerId })));
    },
    async hasConnection(remote) {
      // Parsed first, so a bad remote is BAD_URL even when no worker is alive.
      const { origin } = originIdOf(remoteToUrl(remote), undefined);
      const workers = await fleet.workers();
      return workers.some((w) => w.origins.some((o) => o.origin === origin && o.sockets.reusable > 0));
    },
    async closeConnections(remote) {
      if (remote !== undefined) remoteToUrl(remote);
      const report = await fleet.closeConnections(remote);
      return { workers: report.drained.length, missing: report.missing };
    },
  };
}
