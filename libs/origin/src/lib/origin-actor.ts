import { createActor, type Actor } from 'xstate';
import { AdoptedRecord, type AdoptedSocket, type AdoptedSocketOwner } from './adopted-socket.ts';
import type { Connector } from './connector.ts';
import { DrainTracker } from './drain-tracker.ts';
import { publishState } from './diagnostics.ts';
import { CourierError } from './errors.ts';
import type { Exchange, ExchangeOwner } from './exchange.ts';
import { toCourierError } from './map-error.ts';
import { originMachine, type RedirectHandoff } from './origin-machine.ts';
import type { OriginId } from './origin-key.ts';
import type { OriginPolicy } from './policy.ts';
import { SocketSlot, type SocketActor, type SocketEvents } from './socket-slot.ts';
import type { OriginSnapshot, OriginStateValue, OriginTransition, SocketState, TlsOptions } from './types.ts';

/** Hands out connectors shared by the actors of one client. */
export interface ConnectorSource {
  connector(id: OriginId, tls: TlsOptions | undefined, preferIpv6: boolean, connectTimeoutMs: number): Connector;
}

export interface OriginActorInit {
  id: OriginId;
  policy: OriginPolicy;
  /** Connectors are shared per client (each holds a TLS session cache): the registry hands them out. */
  connectors: ConnectorSource;
  tls: TlsOptions | undefined;
  /** The registry lets go of the actor when it is evicted or closed. */
  onEvicted: (actor: OriginActor) => void;
  inspect?: ((event: unknown) => void) | undefined;
}

/**
 * One remote origin: its sockets, its queue of waiting requests, and the xstate actor that
 * holds its state. Per-request work touches only the plain counters here; the state chart
 * hears of changes of state (see origin-machine.ts).
 */
export class OriginActor implements ExchangeOwner, SocketEvents, AdoptedSocketOwner {
  readonly id: OriginId;
  readonly policy: OriginPolicy;
  readonly machine: Actor<typeof originMachine>;

  readonly #slots = new Set<SocketSlot>();
  #idle: SocketSlot[] = [];
  #queue: Exchange[] = [];
  #queueHead = 0;
  /** Adopted sockets (adopted-socket.ts) connected / connecting; Courier's own are socket actors. */
  #adoptedConnected = 0;
  #adoptedConnecting = 0;
  #inFlight = 0;
  #reportedActive = false;
  #idleCheckScheduled = false;
  /**
   * The closeConnections() calls waiting for their requests (the chart counts generations and
   * pending calls). Created by the first closeConnections(); until then nothing drains.
   */
  #drainTracker: DrainTracker | null = null;
  #closing: Promise<void> | null = null;
  #closed = false;
  #lastError: CourierError | null = null;
  #completed = 0;
  #failed = 0;
  readonly #connectors: ConnectorSource;
  readonly #tls: TlsOptions | undefined;
  readonly #onEvicted: (actor: OriginActor) => void;

  constructor(init: OriginActorInit) {
    this.id = init.id;
    this.policy = init.policy;
    this.#connectors = init.connectors;
    this.#tls = init.tls;
    this.#onEvicted = init.onEvicted;
    this.machine = createActor(originMachine, {
      input: {
        circuitThreshold: init.policy.circuitThreshold,
        circuitCooldownMs: init.policy.circuitCooldownMs,
        idleEvictionMs: init.policy.idleEvictionMs,
        // The chart's `evict` action (idle eviction) lets the registry go of this actor.
        onEvict: () => this.#evict(),
      },
      // The client's own hook only; the inspector attaches to the actor's system while watched.
      ...(init.inspect ? { inspect: init.inspect } : {}),
    });
    this.machine.subscribe((snap) => {
      publishState(this.id.key, stateName(snap.value));
    });
    this.machine.start();
  }

  #watchers: Set<(t: OriginTransition) => void> | null = null;
  #inspection: { unsubscribe(): void } | null = null;
  /** The last state seen per watched actor: the origin's chart (`origin`) and each socket child. */
  #lastValues: Map<string, string> | null = null;

  #recordTransition(actor: string, event: { type: string }, to: string): void {
    this.#lastValues ??= new Map();
    const from = this.#lastValues.get(actor) ?? (actor === 'origin' ? to : 'connecting');
    if (to === 'closed' && actor !== 'origin') this.#lastValues.delete(actor);
    else this.#lastValues.set(actor, to);
    const transition: OriginTransition = { at: Date.now(), actor, event: event.type, from, to: to as OriginTransition['to'] };
    if (event.type === 'redirect.handoff' || event.type === 'redirect.received') {
      const { hop, from: fromKey, to: toKey } = event as unknown as RedirectHandoff;
      transition.handoff = { hop, from: fromKey, to: toKey };
    }
    for (const w of this.#watchers ?? []) w(transition);
  }

  /**
   * Follow this actor's transitions and its socket children's (the dashboard's inspector),
   * redirect hand-offs included; returns the unsubscribe.
   */
  watch(listener: (t: OriginTransition) => void): () => void {
    if (this.#inspection === null) {
      // Created while watched only: an idle actor nobody watches keeps no map (its heap budget).
      this.#lastValues = new Map();
      const snap = this.machine.getSnapshot();
      this.#lastValues.set('origin', stateName(snap.value));
      for (const [id, child] of Object.entries(snap.children)) {
        this.#lastValues.set(id, String((child as SocketActor).getSnapshot().value));
      }
    }
    (this.#watchers ??= new Set()).add(listener);
    // Inspection is attached only while someone watches: an unwatched actor pays nothing.
    this.#inspection ??= this.machine.system.inspect((event) => {
      if (event.type !== '@xstate.snapshot') return;
      const { actorRef, snapshot } = event as unknown as { actorRef: { id: string; _parent?: unknown }; snapshot: { value: unknown } };
      if (actorRef === this.machine) this.#recordTransition('origin', event.event, stateName(snapshot.value as MachineValue));
      else if (actorRef._parent === this.machine) this.#recordTransition(actorRef.id, event.event, String(snapshot.value));
    });
    return () => {
      this.#watchers?.delete(listener);
      if (this.#watchers?.size === 0) {
        this.#inspection?.unsubscribe();
        this.#inspection = null;
        this.#lastValues = null;
      }
    };
  }

  /** The socket children's states, read from the chart (the inspector shows each socket). */
  socketStates(): SocketState[] {
    const children = this.machine.getSnapshot().children as Record<string, SocketActor | undefined>;
    const out: SocketState[] = [];
    for (const [id, child] of Object.entries(children)) {
      if (!child) continue;
      const snap = child.getSnapshot();
      out.push({ id, state: snap.value, reusable: snap.context.reusable });
    }
    return out;
  }

  /**
   * A hop of a redirect chain this origin answered goes to `target` (the registry's actor for the
   * next hop's origin; this actor again on the same origin): the hand-off is an event from this
   * chart to the target's (`redirect.handoff` here, `redirect.received` there), then the target
   * runs the hop. Only redirects pay for it; a request without one sends no event.
   */
  handOff(target: OriginActor, ex: Exchange, hop: number): void {
    const handoff: RedirectHandoff = { hop, from: this.id.key, to: target.id.key };
    if (this.machine.getSnapshot().status === 'active') this.machine.send({ type: 'redirect.handoff', ...handoff, target: target.machine });
    // This actor has stopped meanwhile (evicted or closed): the target still hears of the hop.
    else target.#send({ type: 'redirect.received', ...handoff });
    target.dispatch(ex);
  }

  /** Events after the chart reached its final state are dropped (late socket events after close). */
  #send(event: Parameters<Actor<typeof originMachine>['send']>[0]): void {
    if (this.machine.getSnapshot().status === 'active') this.machine.send(event);
  }

  /** A closeConnections() is pending (the chart counts them): no socket is made or kept reusable. */
  get #draining(): boolean {
    return this.machine.getSnapshot().context.drainsPending > 0;
  }

  get closed(): boolean {
    return this.#closed;
  }

  // ---- dispatch ----

  /** Accept an exchange: run it on a socket now, or queue it until one is free. */
  dispatch(ex: Exchange): void {
    if (this.#closing || this.#closed) {
      ex.fail(new CourierError('CLIENT_CLOSED', `origin ${this.id.origin} is closing: no new requests`));
      return;
    }
    // The chart holds the circuit: `backoff` until the cooldown ends.
    if (this.machine.getSnapshot().value === 'backoff') {
      const last = this.#lastError;
      ex.fail(new CourierError('CIRCUIT_OPEN', `origin ${this.id.origin}: circuit open after ${this.machine.getSnapshot().context.connectFailures} failed connects (last: ${last?.code ?? 'unknown'})`, { cause: last }));
      return;
    }
    ex.owner = this;
    ex.drainGeneration = this.machine.getSnapshot().context.generation;
    if (this.#queueLength() === 0 && this.#tryRun(ex)) return;
    const max = this.policy.maxQueued;
    if (max > 0 && this.#queueLength() >= max) {
      ex.fail(new CourierError('QUEUE_FULL', `origin ${this.id.origin}: ${max} requests already wait for a socket`));
      return;
    }
    ex.queued = true;
    this.#queue.push(ex);
  }

  #queueLength(): number {
    return this.#queue.length - this.#queueHead;
  }

  dequeueAborted(ex: Exchange): void {
    const i = this.#queue.indexOf(ex, this.#queueHead);
    if (i >= 0) this.#queue.splice(i, 1);
    ex.queued = false;
    this.#drainTracker?.finished(ex.drainGeneration);
  }

  /** Pick or open a socket for the exchange; false when it has to wait. */
  #tryRun(ex: Exchange): boolean {
    let slot: SocketSlot | undefined;
    const wantsFresh = ex.init.dontReuse || ex.retried;
    if (!wantsFresh) slot = this.#takeIdle() ?? this.#pipelineSlot();
    if (!slot) {
      if (this.#slots.size < this.policy.connections) {
        slot = this.#openSlot(ex, this.#canMakeReusable(ex));
      } else if (this.policy.oneOffWhileConnecting && (wantsFresh || !this.#hasConnectedReusable())) {
        // Pluto: a fresh remote's simultaneous first requests (and dont_reuse) take one-off sockets.
        slot = this.#openSlot(ex, false);
      } else {
        return false;
      }
    }
    this.#run(ex, slot);
    return true;
  }

  #canMakeReusable(ex: Exchange): boolean {
    return !ex.init.dontMakeReusable && !this.#draining && this.#reusableCount() < this.policy.connections;
  }

  /** Sockets that may take later requests, read from their actors: a closed one never counts. */
  #reusableCount(): number {
    let n = 0;
    for (const slot of this.#slots) if (slot.reusable) n++;
    return n;
  }

  #takeIdle(): SocketSlot | undefined {
    while (this.#idle.length > 0) {
      const slot = this.#idle.pop()!;
      slot.listedIdle = false;
      if (!slot.retired && slot.reusable && slot.running === 0) return slot;
    }
    return undefined;
  }

  #pipelineSlot(): SocketSlot | undefined {
    if (this.policy.pipelining <= 1) return undefined;
    for (const slot of this.#slots) {
      if (!slot.retired && slot.reusable && slot.connected && slot.running < this.policy.pipelining) return slot;
    }
    return undefined;
  }

  #hasConnectedReusable(): boolean {
    for (const slot of this.#slots) if (slot.reusable && slot.connected && !slot.retired) return true;
    return false;
  }

  #openSlot(ex: Exchange, reusable: boolean): SocketSlot {
    const preferIpv6 = ex.init.preferIpv6;
    const connector = this.#connectors.connector(this.id, this.#tls, preferIpv6, ex.init.connectTimeoutMs);
    const slot = new SocketSlot(this.id.origin, this.policy, connector, reusable, this, this.#spawnSocket);
    this.#slots.add(slot);
    this.#socketsChanged();
    return slot;
  }

  #run(ex: Exchange, slot: SocketSlot): void {
    ex.queued = false;
    ex.slot = slot;
    ex.reusedSocket = slot.served > 0;
    slot.running++;
    if (this.#inFlight++ === 0 && !this.#reportedActive) {
      this.#reportedActive = true;
      this.#send({ type: 'requests.active' });
    }
    slot.client.dispatch(ex.dispatchOptions(!slot.reusable), ex);
  }

  // ---- ExchangeOwner ----

  release(ex: Exchange, slot: SocketSlot, error: CourierError | null): boolean {
    slot.running--;
    slot.served++;
    if (--this.#inFlight === 0) this.#scheduleIdleCheck();
    if (error) {
      this.#lastError = error;
      if (error.code !== 'ABORTED' && !slot.connected) slot.retire();
    }
    this.#settleSlot(slot);
    let retried = false;
    if (error && ex.canRetryOnFreshSocket(error)) {
      ex.prepareRetry();
      retried = true;
      // The retry keeps its place: it runs now on a fresh socket, or first in the queue.
      if (!this.#closing && !this.#tryRun(ex)) {
        ex.queued = true;
        this.#queue.splice(this.#queueHead, 0, ex);
      }
    }
    if (!retried) {
      if (error) this.#failed++;
      else this.#completed++;
      this.#drainTracker?.finished(ex.drainGeneration);
    }
    this.#pump();
    return retried;
  }

  /** After a request: keep the socket for the next one, or close it. */
  #settleSlot(slot: SocketSlot): void {
    if (slot.running > 0) return;
    if (slot.retired || !slot.reusable || this.#draining) {
      this.#removeSlot(slot, false);
      return;
    }
    if (!slot.listedIdle) {
      slot.listedIdle = true;
      this.#idle.push(slot);
    }
  }

  /** `destroy`: abort what runs on it (with `reason`, when given) instead of letting it finish. */
  #removeSlot(slot: SocketSlot, destroy: boolean, reason?: CourierError): void {
    if (!this.#slots.delete(slot)) return;
    // The socket's actor goes to `closing`: not reusable, no longer counted.
    if (destroy) slot.destroy(reason);
    else slot.close();
    this.#socketsChanged();
  }

  /** The origin's chart spawns the socket's child actor (see socket-machine.ts). */
  readonly #spawnSocket = (id: number, reusable: boolean): SocketActor | undefined => {
    const name = `socket-${id}`;
    this.#send({ type: 'socket.open', id: name, reusable });
    return this.machine.getSnapshot().children[name] as SocketActor | undefined;
  };

  /** Start queued exchanges while sockets allow. */
  #pump(): void {
    while (this.#queueHead < this.#queue.length) {
      const ex = this.#queue[this.#queueHead]!;
      if (!this.#tryRun(ex)) break;
      this.#queue[this.#queueHead++] = undefined as unknown as Exchange;
    }
    if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
      this.#queue = this.#queue.slice(this.#queueHead);
      this.#queueHead = 0;
    } else if (this.#queueHead === this.#queue.length && this.#queueHead > 0) {
      this.#queue = [];
      this.#queueHead = 0;
    }
    if (this.#closing && this.#inFlight === 0 && this.#queueLength() === 0) this.#finishClose();
  }

  #scheduleIdleCheck(): void {
    // Coalesce in-flight 1 → 0 → 1 within one turn (sequential requests): no event per request.
    if (this.#idleCheckScheduled) return;
    this.#idleCheckScheduled = true;
    setImmediate(() => this.#deliverIdle());
  }

  /**
   * Tells the chart the origin went idle, if it still is. Runs a turn after the last request
   * ended, and at once when someone reads the chart's state meanwhile (a snapshot), so what is
   * read never shows `active` with nothing in flight.
   */
  #deliverIdle(): void {
    this.#idleCheckScheduled = false;
    if (this.#inFlight === 0 && this.#reportedActive) {
      this.#reportedActive = false;
      this.#send({ type: 'requests.idle' });
    }
  }

  // ---- SocketEvents ----

  connected(slot: SocketSlot): void {
    // The chart counts consecutive failures (and opens the circuit); a success resets them.
    if (this.machine.getSnapshot().context.connectFailures > 0) this.#send({ type: 'connect.succeeded' });
    // Connected after we let go of it (closed while connecting): it closes by itself.
    if (!this.#slots.has(slot)) slot.close();
    this.#socketsChanged();
  }

  disconnected(slot: SocketSlot): void {
    if (slot.running === 0) this.#removeSlot(slot, false);
    this.#socketsChanged();
  }

  connectFailed(slot: SocketSlot, error: Error): void {
    this.#lastError = toCourierError(error);
    this.#send({ type: 'connect.failed' });
    if (slot.running === 0) this.#removeSlot(slot, true);
    this.#socketsChanged();
  }

  #reportedSockets = '0/0';

  /** Connected and connecting sockets, from the socket actors' states (and the adopted ones). */
  #socketCounts(): { connected: number; connecting: number } {
    let connected = this.#adoptedConnected;
    let connecting = this.#adoptedConnecting;
    for (const slot of this.#slots) {
      if (slot.connected) connected++;
      else if (slot.connecting) connecting++;
    }
    return { connected, connecting };
  }

  #socketsChanged(): void {
    if (this.#closed) return;
    const { connected, connecting } = this.#socketCounts();
    const now = `${connected}/${connecting}`;
    if (now === this.#reportedSockets) return;
    this.#reportedSockets = now;
    this.#send({ type: 'sockets.changed', connected, connecting });
  }

  // ---- connections ----

  /** Pluto's meaning: a reusable socket, idle or busy, exists for this origin. */
  hasConnection(): boolean {
    if (this.#draining) return false;
    if (this.#hasConnectedReusable()) return true;
    for (const a of this.#adopted ?? []) if (a.reusable) return true;
    return false;
  }

  // ---- adopted sockets (see adopted-socket.ts) ----

  #adopted: Set<AdoptedRecord> | null = null;
  /** Adopted sockets marked busy: in flight, but not Courier exchanges a drain can count down. */
  #adoptedBusy = 0;

  #retireAdopted(destroyAll: boolean): void {
    for (const a of [...(this.#adopted ?? [])]) {
      a.retired = true;
      a.setReusable(false);
      if (destroyAll || !a.busy) a.socket.destroy();
    }
  }

  /** Open a socket with this origin's connector and count it here while its owner drives it. */
  adoptSocket(preferIpv6: boolean, connectTimeoutMs: number): Promise<AdoptedSocket> {
    if (this.#closing || this.#closed) return Promise.reject(new CourierError('CLIENT_CLOSED', `origin ${this.id.origin} is closing`));
    const connect = this.#connectors.connector(this.id, this.#tls, preferIpv6, connectTimeoutMs);
    const { protocol, hostname, port } = this.id;
    this.#adoptedConnecting++;
    this.#socketsChanged();
    return new Promise((resolve, reject) => {
      // The connector wants a bare IPv6 address, as undici passes it.
      const bare = hostname.replace(/^\[|\]$/g, '');
      connect({ hostname: bare, host: `${hostname}:${port}`, protocol, port: String(port), servername: null } as never, (err, socket) => {
        this.#adoptedConnecting--;
        if (err || !socket) {
          const error = toCourierError(err);
          this.#lastError = error;
          this.#socketsChanged();
          reject(error);
          return;
        }
        const record = new AdoptedRecord(socket as never, this);
        (this.#adopted ??= new Set()).add(record);
        this.#adoptedConnected++;
        this.#socketsChanged();
        resolve(record);
      });
    });
  }

  adoptedChanged(record: AdoptedRecord, change: 'busy' | 'idle' | 'reusable' | 'released'): void {
    if (change === 'busy') {
      this.#adoptedBusy++;
      if (this.#inFlight++ === 0 && !this.#reportedActive) {
        this.#reportedActive = true;
        this.#send({ type: 'requests.active' });
      }
    } else if (change === 'idle') {
      this.#adoptedBusy--;
      if (--this.#inFlight === 0) this.#scheduleIdleCheck();
      // Retired while busy (closeConnections, close): it is closed once idle.
      if (record.retired) record.socket.destroy();
      if (this.#closing && !this.#closed && this.#inFlight === 0 && this.#queueLength() === 0) this.#finishClose();
      this.#completed++;
    } else if (change === 'released') {
      this.#adopted?.delete(record);
      this.#adoptedConnected--;
      this.#socketsChanged();
    }
  }

  /**
   * Stop making sockets reusable, close the idle ones, and resolve once the requests accepted
   * before the call have finished; then sockets are made reusable again.
   */
  closeConnections(): Promise<void> {
    // The drain waits for Courier's own requests (adopted sockets are retired below).
    const remaining = this.#inFlight - this.#adoptedBusy + this.#queueLength();
    // The chart opens a generation and retires every socket actor; the idle ones close now.
    this.#send({ type: 'connections.close', waits: remaining > 0 });
    for (const slot of [...this.#slots]) {
      if (slot.running === 0) this.#removeSlot(slot, false);
      // A socket whose actor the chart does not hold (spawned after it stopped) is retired here.
      else slot.retire();
    }
    this.#idle = [];
    this.#retireAdopted(false);
    const tracker = (this.#drainTracker ??= new DrainTracker((count) => this.#send({ type: 'connections.drained', count })));
    return tracker.begin(this.machine.getSnapshot().context.generation, remaining);
  }

  /** Drain for good: finish in-flight and queued requests, refuse new ones, then close. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = new Promise<void>((resolve) => {
      this.#resolveClose = resolve;
    });
    this.#send({ type: 'origin.drain' });
    this.#retireAdopted(false);
    if (this.#inFlight === 0 && this.#queueLength() === 0) this.#finishClose();
    return this.#closing;
  }

  #resolveClose: (() => void) | null = null;

  #finishClose(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const slot of [...this.#slots]) this.#removeSlot(slot, false);
    this.#retireAdopted(true);
    this.#send({ type: 'origin.drained' });
    this.machine.stop();
    this.#onEvicted(this);
    this.#resolveClose?.();
  }

  /** Abort everything now. */
  destroy(reason = new CourierError('ABORTED', 'client destroyed')): void {
    if (this.#closed) return;
    if (!this.#closing) this.#closing = Promise.resolve();
    const queued = this.#queue.slice(this.#queueHead);
    this.#queue = [];
    this.#queueHead = 0;
    for (const ex of queued) {
      ex.queued = false;
      ex.fail(reason);
    }
    this.#retireAdopted(true);
    // Destroying a client fails its requests with the reason (each exchange's onError).
    for (const slot of [...this.#slots]) this.#removeSlot(slot, true, reason);
    this.#closed = true;
    this.#send({ type: 'origin.destroy' });
    this.machine.stop();
    this.#onEvicted(this);
    this.#drainTracker?.releaseAll();
  }

  #evict(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#onEvicted(this);
  }

  snapshot(): OriginSnapshot {
    let free = 0;
    let busy = 0;
    let reusable = 0;
    for (const slot of this.#slots) {
      if (!slot.connected) continue;
      if (slot.running > 0) busy++;
      else free++;
      if (slot.reusable && !slot.retired) reusable++;
    }
    for (const a of this.#adopted ?? []) {
      if (a.busy) busy++;
      else free++;
      if (a.reusable) reusable++;
    }
    if (this.#idleCheckScheduled && this.#inFlight === 0) this.#deliverIdle();
    return {
      origin: this.id.origin,
      key: this.id.key,
      state: stateName(this.machine.getSnapshot().value),
      sockets: { ...this.#socketCounts(), free, busy, reusable },
      inFlight: this.#inFlight,
      queued: this.#queueLength(),
      completed: this.#completed,
      failed: this.#failed,
      lastError: this.#lastError?.code ?? null,
    };
  }
}

type MachineValue = ReturnType<Actor<typeof originMachine>['getSnapshot']>['value'];

/** The flat state name of the chart's state: `ready.available` / `ready.active` are taken as they are. */
function stateName(value: MachineValue): OriginStateValue {
  if (typeof value === 'string') return value as OriginStateValue;
  const open = (value as { open?: unknown }).open;
  if (open === 'idle' || open === 'connecting') return open;
  const ready = (open as { ready?: unknown } | undefined)?.ready;
  return ready === 'active' ? 'active' : 'available';
}
