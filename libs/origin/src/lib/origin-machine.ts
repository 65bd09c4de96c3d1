import { assign, enqueueActions, sendTo, setup, spawnChild, stopChild, type AnyActorRef } from 'xstate';
import { socketMachine } from './socket-machine.ts';

/**
 * The life of one origin, as a state chart. It holds no I/O: the OriginActor beside it owns
 * the undici Clients and sends an event only when something changes state (a socket connects
 * or closes, in-flight goes 0 ↔ 1, a drain or the circuit) — never one per request, because an
 * xstate event costs about as much as a tenth of a loopback request (DESIGN.md, hot-path budget).
 */
export interface OriginMachineContext {
  connected: number;
  connecting: number;
  inFlight: number;
  /** Consecutive connect failures; the circuit opens at `circuitThreshold`. */
  connectFailures: number;
  circuitThreshold: number;
  /** How long the next open circuit lasts, in milliseconds. */
  cooldownMs: number;
  baseCooldownMs: number;
  idleEvictionMs: number;
  /**
   * Lets the registry go of this origin: the `evict` action calls it. A function in the context,
   * not a provided machine per actor (that costs ~22 KB each): every actor shares this machine.
   */
  onEvict: (() => void) | undefined;
  /** closeConnections() calls so far: a request belongs to the generation current when accepted. */
  generation: number;
  /** closeConnections() calls still waiting: while any is, no socket is made or kept reusable. */
  drainsPending: number;
}

export interface OriginMachineInput {
  circuitThreshold: number;
  circuitCooldownMs: number;
  idleEvictionMs: number;
  onEvict?: () => void;
}

export type OriginMachineEvent =
  | { type: 'sockets.changed'; connected: number; connecting: number }
  | { type: 'requests.active' }
  | { type: 'requests.idle' }
  | { type: 'connect.failed' }
  | { type: 'connect.succeeded' }
  | { type: 'origin.drain' }
  | { type: 'origin.drained' }
  | { type: 'origin.destroy' }
  /** A socket (undici Client) is opened: the chart spawns its child actor, id `id`. */
  | { type: 'socket.open'; id: string; reusable: boolean }
  /** closeConnections(): a new generation; `waits` when requests accepted before it still run. */
  | { type: 'connections.close'; waits: boolean }
  /** `count` closeConnections() calls have seen their requests finish. */
  | { type: 'connections.drained'; count: number }
  /**
   * This origin's hop `hop - 1` answered with a followable redirect: hop `hop` is handed to the
   * target origin's actor (`target`, the registry's actor for `to`; this one again when the
   * redirect stays on this origin). Sent only on a redirect, never per request.
   */
  | { type: 'redirect.handoff'; hop: number; from: string; to: string; target: AnyActorRef }
  /** Another origin's actor (or this one) handed hop `hop` of a redirect chain to this origin. */
  | { type: 'redirect.received'; hop: number; from: string; to: string };

/** What one redirect hand-off carries between the charts (and what the inspector shows of it). */
export interface RedirectHandoff {
  hop: number;
  /** The actor key of the origin that answered with the redirect. */
  from: string;
  /** The actor key of the origin the next hop goes to. */
  to: string;
}

/** A socket child reached `closed`: xstate's done event for it. */
type SocketDone = { type: `xstate.done.actor.${string}`; actorId: string };

const MAX_COOLDOWN_MS = 60_000;

export const originMachine = setup({
  types: {
    context: {} as OriginMachineContext,
    events: {} as OriginMachineEvent,
    input: {} as OriginMachineInput,
  },
  actors: { socket: socketMachine },
  // Guards read the context: the sockets are recorded first, then eventless transitions route
  // (so entering `open` again after the circuit finds the sockets that exist, too).
  guards: {
    hasConnected: ({ context }) => context.connected > 0,
    isOnlyConnecting: ({ context }) => context.connected === 0 && context.connecting > 0,
    hasNoSockets: ({ context }) => context.connected === 0 && context.connecting === 0,
    hasInFlight: ({ context }) => context.inFlight > 0,
    /** This failure is the threshold-th in a row. */
    tripsCircuit: ({ context }) => context.circuitThreshold > 0 && context.connectFailures + 1 >= context.circuitThreshold,
    isEvictionEnabled: ({ context }) => context.idleEvictionMs > 0,
  },
  actions: {
    recordSockets: assign(({ event }) =>
      event.type === 'sockets.changed' ? { connected: event.connected, connecting: event.connecting } : {},
    ),
    markActive: assign({ inFlight: 1 }),
    markIdle: assign({ inFlight: 0 }),
    // Counted up to the threshold only: more says nothing new, and the context stays finite.
    recordFailure: assign(({ context }) => ({ connectFailures: Math.min(context.connectFailures + 1, Math.max(context.circuitThreshold, 1)) })),
    resetFailures: assign(({ context }) => ({ connectFailures: 0, cooldownMs: context.baseCooldownMs })),
    lengthenCooldown: assign(({ context }) => ({ cooldownMs: Math.min(context.cooldownMs * 2, MAX_COOLDOWN_MS) })),
    evict: ({ context }) => context.onEvict?.(),
    beginDrain: assign(({ context, event }) => ({
      generation: context.generation + 1,
      drainsPending: context.drainsPending + (event.type === 'connections.close' && event.waits ? 1 : 0),
    })),
    // closeConnections(): no socket is kept reusable (the adapter then closes the idle ones).
    retireSockets: enqueueActions(({ self, enqueue }) => {
      // (No snapshot when the machine is stepped as a pure function, as the model tests do.)
      const children = (self.getSnapshot() as { children?: Record<string, unknown> } | undefined)?.children ?? {};
      for (const child of Object.values(children)) if (child) enqueue.sendTo(child as never, { type: 'retire' } as never);
    }),
    endDrains: assign(({ context, event }) => ({
      drainsPending: Math.max(0, context.drainsPending - (event.type === 'connections.drained' ? event.count : 0)),
    })),
    spawnSocket: spawnChild('socket', {
      id: ({ event }) => (event as { id: string }).id,
      // While a closeConnections() is pending, no socket is made reusable.
      input: ({ context, event }) => ({ reusable: (event as { reusable: boolean }).reusable && context.drainsPending === 0 }),
    }),
    // The hand-off goes through xstate, actor to actor: the target's chart receives the hop (and
    // inspection sees an event from this actor to that one); the adapter then runs the hop there.
    handOff: sendTo(
      ({ event }) => (event as Extract<OriginMachineEvent, { type: 'redirect.handoff' }>).target,
      ({ event }) => {
        const { hop, from, to } = event as Extract<OriginMachineEvent, { type: 'redirect.handoff' }>;
        return { type: 'redirect.received', hop, from, to } as const;
      },
    ),
    // A socket that closed (from either side) leaves the origin's children by its own transition.
    dropSocket: stopChild(({ event }) => (event as unknown as SocketDone).actorId),
  },
  delays: {
    idleEviction: ({ context }) => context.idleEvictionMs,
    cooldown: ({ context }) => context.cooldownMs,
  },
}).createMachine({
  id: 'origin',
  context: ({ input }) => ({
    connected: 0,
    connecting: 0,
    inFlight: 0,
    connectFailures: 0,
    circuitThreshold: input.circuitThreshold,
    cooldownMs: input.circuitCooldownMs,
    baseCooldownMs: input.circuitCooldownMs,
    idleEvictionMs: input.idleEvictionMs,
    onEvict: input.onEvict,
    generation: 0,
    drainsPending: 0,
  }),
  initial: 'open',
  on: {
    'requests.active': { actions: 'markActive' },
    'requests.idle': { actions: 'markIdle' },
    'connect.succeeded': { actions: 'resetFailures' },
    'origin.destroy': '.closed',
    'socket.open': { actions: 'spawnSocket' },
    'connections.close': { actions: ['beginDrain', 'retireSockets'] },
    'connections.drained': { actions: 'endDrains' },
    'xstate.done.actor.*': { actions: 'dropSocket' },
    'redirect.handoff': { actions: 'handOff' },
    // Received in any state: the hop is then dispatched (and refused while in backoff or draining).
    'redirect.received': {},
  },
  states: {
    open: {
      description: 'Accepting requests.',
      initial: 'idle',
      on: {
        'sockets.changed': { actions: 'recordSockets' },
        'connect.failed': [{ guard: 'tripsCircuit', target: 'backoff', actions: 'recordFailure' }, { actions: 'recordFailure' }],
        'origin.drain': 'draining',
      },
      states: {
        idle: {
          description: 'No socket is open or opening; evicted after the idle timeout.',
          always: [
            { guard: 'hasConnected', target: 'ready' },
            { guard: 'isOnlyConnecting', target: 'connecting' },
          ],
          after: { idleEviction: { guard: 'isEvictionEnabled', target: '#origin.closed', actions: 'evict' } },
        },
        connecting: {
          description: 'A socket is opening and none is connected yet.',
          always: [
            { guard: 'hasConnected', target: 'ready' },
            { guard: 'hasNoSockets', target: 'idle' },
          ],
        },
        ready: {
          description: 'At least one socket is connected.',
          initial: 'settling',
          always: [
            { guard: 'isOnlyConnecting', target: 'connecting' },
            { guard: 'hasNoSockets', target: 'idle' },
          ],
          states: {
            settling: { always: [{ guard: 'hasInFlight', target: 'active' }, { target: 'available' }] },
            available: {
              description: 'Connected, nothing in flight: the next request reuses an idle socket.',
              on: { 'requests.active': { target: 'active', actions: 'markActive' } },
            },
            active: {
              description: 'Requests in flight.',
              on: { 'requests.idle': { target: 'available', actions: 'markIdle' } },
            },
          },
        },
      },
    },
    backoff: {
      description: 'Circuit open after repeated connect failures: requests fail fast until the cooldown ends.',
      exit: 'lengthenCooldown',
      on: {
        'sockets.changed': { actions: 'recordSockets' },
        // A connect begun before the trip got through: the origin answers, the circuit closes.
        'connect.succeeded': { target: 'open', actions: 'resetFailures' },
        'origin.drain': 'draining',
      },
      after: { cooldown: { target: 'open' } },
    },
    draining: {
      description: 'close() was called: in-flight requests finish, new ones are refused.',
      on: { 'sockets.changed': { actions: 'recordSockets' }, 'origin.drained': 'closed' },
    },
    closed: { type: 'final', description: 'Closed or evicted; the registry has let go of it.' },
  },
});
