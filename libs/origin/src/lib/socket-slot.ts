import { Client } from 'undici';
import { createActor, type Actor, type ActorRefFrom } from 'xstate';
import { backstop } from './connect-deadline.ts';
import type { Connector } from './connector.ts';
import { isTlsCode } from './map-error.ts';
import { writePlutoHeads } from './pluto-head.ts';
import type { OriginPolicy } from './policy.ts';
import { socketMachine } from './socket-machine.ts';

export type SocketActor = ActorRefFrom<typeof socketMachine> | Actor<typeof socketMachine>;

export interface SocketEvents {
  connected(slot: SocketSlot): void;
  disconnected(slot: SocketSlot, error: Error | null): void;
  connectFailed(slot: SocketSlot, error: Error): void;
  /** The origin's chart spawns the socket's child actor; undefined once the chart has stopped. */
  spawnSocket(id: number, reusable: boolean): SocketActor | undefined;
}

/** The undici Client of one slot: its listeners find the slot here (shared functions, no closures per socket). */
class SlotClient extends Client {
  slot!: SocketSlot;
}

// undici's events become the socket's events first, then the origin hears of them. One set of
// listener functions for every socket (`this` is the emitting Client): an idle origin's heap
// budget has no room for three closures per socket.
// An event for a socket's chart unless it already reached `closed` (a final state: the actor is
// stopped, and xstate would warn of an event sent to a stopped actor): a socket the server closed
// first gets there by itself, before our close() or destroy() settles or undici reports it.
function tell(slot: SocketSlot, type: 'connected' | 'disconnected' | 'connect.failed' | 'close' | 'closed'): void {
  if (slot.actor.getSnapshot().status === 'active') slot.actor.send({ type });
}

function onConnect(this: SlotClient): void {
  const slot = this.slot;
  tell(slot, 'connected');
  slot.events.connected(slot);
}

function onDisconnect(this: SlotClient, _origin: unknown, _targets: unknown, err: Error | null | undefined): void {
  const slot = this.slot;
  tell(slot, 'disconnected');
  slot.events.disconnected(slot, err ?? null);
}

function onConnectionError(this: SlotClient, _origin: unknown, _targets: unknown, err: Error): void {
  const slot = this.slot;
  tell(slot, 'connect.failed');
  slot.events.connectFailed(slot, err);
}

// undici needs a finite keep-alive; "no timeout" (Pluto's pool) is a very long one.
const NO_TIMEOUT_MS = 2 ** 31 - 1;

let nextSlotId = 1;

/**
 * One socket of an origin: an undici `Client` (one connection, ~1.8 KiB) rather than a `Pool`
 * (~18 KiB idle), so the actor itself decides which socket takes which request. Its connect,
 * disconnect and connectionError events are the truth the actor's state is driven from.
 */
export class SocketSlot {
  readonly id = nextSlotId++;
  readonly client: Client;
  readonly events: SocketEvents;
  /**
   * The socket's child actor in its origin's chart: the one record of its state and of whether
   * it is reusable (socket-machine.ts). The getters below read it; nothing here mirrors it.
   */
  readonly actor: SocketActor;
  /** Requests dispatched and not yet finished. */
  running = 0;
  /** Requests finished on this socket. */
  served = 0;
  /** Whether the slot sits in the actor's idle list. */
  listedIdle = false;
  /**
   * A TLS alert the socket received (a TLS 1.3 server refuses a client certificate only after
   * the handshake): undici reports the close that follows as "other side closed", so the
   * exchange looks here to give the real cause.
   */
  tlsError: Error | null = null;

  /**
   * The socket's child actor comes from the origin's chart (`events.spawnSocket`); without one
   * (the chart has already stopped) the slot runs its own.
   */
  constructor(origin: string, policy: OriginPolicy, connector: Connector, reusable: boolean, events: SocketEvents) {
    this.events = events;
    this.actor = events.spawnSocket(this.id, reusable) ?? createActor(socketMachine, { input: { reusable } }).start();
    const keepAlive = policy.keepAliveTimeoutMs > 0 ? policy.keepAliveTimeoutMs : NO_TIMEOUT_MS;
    const client = new SlotClient(origin, {
      connect: (options, callback) =>
        connector(options, (err, socket) => {
          socket?.on('error', (e: NodeJS.ErrnoException) => {
            if (typeof e.code === 'string' && isTlsCode(e.code)) this.tlsError = e;
          });
          if (socket && policy.plutoRequestHead) writePlutoHeads(socket);
          callback(err, socket as never);
        }),
      pipelining: policy.pipelining,
      keepAliveTimeout: keepAlive,
      // A server's Keep-Alive hint may shorten the timeout, never lengthen it.
      keepAliveMaxTimeout: keepAlive,
      // Each exchange times its own phases precisely (exchange.ts); undici's timers are the backstop.
      headersTimeout: backstop(policy.headersTimeoutMs),
      bodyTimeout: backstop(policy.bodyTimeoutMs),
      maxHeaderSize: policy.maxHeaderBytes,
    });
    client.slot = this;
    client.on('connect', onConnect);
    client.on('disconnect', onDisconnect);
    client.on('connectionError', onConnectionError);
    this.client = client;
  }

  #state(): string {
    return this.actor.getSnapshot().value as string;
  }

  /** May be kept alive and handed to later requests. */
  get reusable(): boolean {
    return this.actor.getSnapshot().context.reusable;
  }

  /** A TCP (and TLS) connection is established right now. */
  get connected(): boolean {
    return this.#state() === 'open';
  }

  /** A connect is under way. */
  get connecting(): boolean {
    return this.#state() === 'connecting';
  }

  /** Never dispatched to again (closing or closed, from either side). */
  get retired(): boolean {
    const state = this.#state();
    return state === 'closing' || state === 'closed';
  }

  /** No later request on this socket (a `Connection: close` response, an error, a drain). */
  retire(): void {
    if (this.actor.getSnapshot().context.reusable) this.actor.send({ type: 'retire' });
  }

  /** Graceful: finish what runs, then close the socket. */
  close(): void {
    tell(this, 'close');
    const closed = () => tell(this, 'closed');
    this.client.close().then(closed, closed);
  }

  /** Abort what runs and close now. */
  destroy(err?: Error): void {
    tell(this, 'close');
    // (Made here, not kept per socket: most sockets are never closed by us while idle-counted.)
    const closed = () => tell(this, 'closed');
    this.client.destroy(err ?? null).then(closed, closed);
  }
}
