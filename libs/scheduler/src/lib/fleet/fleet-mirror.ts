import type { FleetWorkerState } from '@courier/queue';

/**
 * What this transport itself did to one worker's sockets since the worker last published:
 * a job of ours that left a reusable socket (`predicted`), or a `closeconnections` the worker
 * reported drained (`drained`: none of its earlier sockets is reusable any more).
 */
interface Overlay {
  /** Reads started before the note began; only a later read can judge it. */
  since: number;
  /** The worker's heartbeat seen by the first later read; a newer heartbeat supersedes the overlay. */
  ref: number | null;
  drained: boolean;
  predicted: Set<string>;
  /** Origins whose reusable socket on this worker the server closed (a job of ours got `Connection: close`). */
  closed: Set<string>;
}

/**
 * The scheduler's local mirror of the fleet view (`readFleetState`), so `http.hasconnection`
 * can answer synchronously: true while any live worker holds a reusable socket for the origin.
 *
 * A worker publishes its origin snapshots once per heartbeat, so the view lags its actors by up
 * to a heartbeat. Where this transport knows better — a job of its own just finished and left
 * a keep-alive socket, or a `closeconnections` it sent just drained a worker — it overlays that
 * knowledge until the worker has published a state taken after it. That is decided without
 * comparing clocks: the worker writes its heartbeat and the event we reacted to (job finished,
 * drained reply) on one Redis connection, in order, so any heartbeat newer than the one a read
 * started *after* the event saw was written after the event and reflects it.
 */
export class FleetMirror {
  /** Live workers → origins (`scheme://host:port`) where they hold a reusable socket. */
  #workers = new Map<string, { heartbeatAt: number; reusable: Set<string> }>();
  readonly #overlays = new Map<string, Overlay>();
  #readsStarted = 0;
  #readsApplied = 0;

  /** Reads of the fleet view applied so far. */
  get reads(): number {
    return this.#readsApplied;
  }

  /** Live workers in the last read. */
  get workers(): number {
    return this.#workers.size;
  }

  /** Call as a read of the fleet view starts; give the ticket to `apply` with its outcome. */
  beginRead(): number {
    return ++this.#readsStarted;
  }

  /** Takes in a read of the fleet view (every live worker, a dead one's hash having expired). */
  apply(ticket: number, states: readonly FleetWorkerState[]): void {
    const workers = new Map<string, { heartbeatAt: number; reusable: Set<string> }>();
    for (const state of states) {
      const reusable = new Set<string>();
      for (const origin of state.origins) if (origin.sockets.reusable > 0) reusable.add(origin.origin);
      workers.set(state.workerId, { heartbeatAt: state.heartbeatAt, reusable });
    }
    // A read that started before a later one finished must not overwrite it.
    if (ticket < this.#readsApplied) return;
    this.#workers = workers;
    this.#readsApplied = ticket;
    for (const [origin, note] of this.#running) {
      if (ticket <= note.since) continue;
      if (note.refs === null) note.refs = new Map([...workers].map(([id, w]) => [id, w.heartbeatAt]));
      else if ([...note.refs].every(([id, at]) => (workers.get(id)?.heartbeatAt ?? Infinity) > at)) this.#running.delete(origin);
    }
    for (const [workerId, overlay] of this.#overlays) {
      if (ticket <= overlay.since) continue;
      const worker = workers.get(workerId);
      if (!worker) this.#overlays.delete(workerId); // gone (dead, or closed): so are its sockets
      else if (overlay.ref === null) overlay.ref = worker.heartbeatAt;
      else if (worker.heartbeatAt > overlay.ref) this.#overlays.delete(workerId);
    }
  }

  #overlay(workerId: string): Overlay {
    let overlay = this.#overlays.get(workerId);
    if (!overlay) {
      overlay = { since: 0, ref: null, drained: false, predicted: new Set(), closed: new Set() };
      this.#overlays.set(workerId, overlay);
    }
    overlay.since = this.#readsStarted;
    overlay.ref = null;
    return overlay;
  }

  /**
   * Origins with jobs of ours running that may leave a reusable socket. A bridge until the view
   * can speak: dropped once every worker has published a heartbeat taken after the note (the
   * view then shows the busy socket, or no socket if its worker died).
   */
  readonly #running = new Map<string, { count: number; since: number; refs: Map<string, number> | null }>();

  /** A job of ours finished on `workerId` and left its socket to `origin` reusable. */
  noteReusable(workerId: string, origin: string): void {
    const overlay = this.#overlay(workerId);
    overlay.predicted.add(origin);
    overlay.closed.delete(origin);
  }

  /**
   * A job of ours on `workerId` got `Connection: close` from `origin`: under Pluto's pool the
   * worker's one reusable socket there is gone (Pluto: false once the close is noticed).
   */
  noteClosed(workerId: string, origin: string): void {
    const overlay = this.#overlay(workerId);
    overlay.predicted.delete(origin);
    overlay.closed.add(origin);
  }

  /**
   * A job of ours that may make its socket reusable became active on a worker: Pluto says true
   * from the connect of such a request on, so this says true while it runs (from the moment a
   * worker took it, a connect earlier). `noteJobEnded` undoes it (the job's outcome then
   * speaks), and so do the workers' next heartbeats (the view then speaks).
   */
  noteJobActive(origin: string): void {
    const note = this.#running.get(origin);
    if (note) {
      note.count++;
      note.since = this.#readsStarted;
      note.refs = null;
    } else {
      this.#running.set(origin, { count: 1, since: this.#readsStarted, refs: null });
    }
  }

  noteJobEnded(origin: string): void {
    const note = this.#running.get(origin);
    if (!note) return;
    if (--note.count === 0) this.#running.delete(origin);
  }

  /** `closeconnections` reported these workers drained: none of their sockets is reusable now. */
  noteDrained(workerIds: Iterable<string>): void {
    for (const workerId of workerIds) {
      const overlay = this.#overlay(workerId);
      overlay.drained = true;
      overlay.predicted.clear();
    }
  }

  /** Whether a live worker holds a reusable socket for `origin` (`scheme://host:port`). */
  hasConnection(origin: string): boolean {
    if (this.#running.has(origin)) return true;
    for (const overlay of this.#overlays.values()) if (overlay.predicted.has(origin)) return true;
    for (const [workerId, worker] of this.#workers) {
      const overlay = this.#overlays.get(workerId);
      if (overlay?.drained || overlay?.closed.has(origin)) continue;
      if (worker.reusable.has(origin)) return true;
    }
    return false;
  }
}
