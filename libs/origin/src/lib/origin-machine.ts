import { assign, setup } from 'xstate';

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
}

export interface OriginMachineInput {
  circuitThreshold: number;
  circuitCooldownMs: number;
  idleEvictionMs: number;
}

export type OriginMachineEvent =
  | { type: 'sockets.changed'; connected: number; connecting: number }
  | { type: 'requests.active' }
  | { type: 'requests.idle' }
  | { type: 'connect.failed'; failures: number }
  | { type: 'connect.succeeded' }
  | { type: 'origin.drain' }
  | { type: 'origin.drained' }
  | { type: 'origin.destroy' };

const MAX_COOLDOWN_MS = 60_000;

export const originMachine = setup({
  types: {
    context: {} as OriginMachineContext,
    events: {} as OriginMachineEvent,
    input: {} as OriginMachineInput,
  },
  guards: {
    hasConnected: ({ event }) => event.type === 'sockets.changed' && event.connected > 0,
    isOnlyConnecting: ({ event }) => event.type === 'sockets.changed' && event.connected === 0 && event.connecting > 0,
    hasNoSockets: ({ event }) => event.type === 'sockets.changed' && event.connected === 0 && event.connecting === 0,
    hasInFlight: ({ context }) => context.inFlight > 0,
    isCircuitTripped: ({ context, event }) =>
      event.type === 'connect.failed' && context.circuitThreshold > 0 && event.failures >= context.circuitThreshold,
    isEvictionEnabled: ({ context }) => context.idleEvictionMs > 0,
  },
  actions: {
    recordSockets: assign(({ event }) =>
      event.type === 'sockets.changed' ? { connected: event.connected, connecting: event.connecting } : {},
    ),
    markActive: assign({ inFlight: 1 }),
    markIdle: assign({ inFlight: 0 }),
    recordFailure: assign(({ event }) => (event.type === 'connect.failed' ? { connectFailures: event.failures } : {})),
    resetFailures: assign(({ context }) => ({ connectFailures: 0, cooldownMs: context.baseCooldownMs })),
    lengthenCooldown: assign(({ context }) => ({ cooldownMs: Math.min(context.cooldownMs * 2, MAX_COOLDOWN_MS) })),
    // Provided by the OriginActor (it owns the registry entry).
    evict: () => {},
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
  }),
  initial: 'open',
  on: {
    'requests.active': { actions: 'markActive' },
    'requests.idle': { actions: 'markIdle' },
    'origin.destroy': '.closed',
  },
  states: {
    open: {
      description: 'Accepting requests.',
      initial: 'idle',
      on: {
        'sockets.changed': { actions: 'recordSockets' },
        'connect.failed': [
          { guard: 'isCircuitTripped', target: 'backoff', actions: 'recordFailure' },
          { actions: 'recordFailure' },
        ],
        'connect.succeeded': { actions: 'resetFailures' },
        'origin.drain': 'draining',
      },
      states: {
        idle: {
          description: 'No socket is open or opening; evicted after the idle timeout.',
          on: {
            'sockets.changed': [
              { guard: 'hasConnected', target: 'ready', actions: 'recordSockets' },
              { guard: 'isOnlyConnecting', target: 'connecting', actions: 'recordSockets' },
              { actions: 'recordSockets' },
            ],
          },
          after: { idleEviction: { guard: 'isEvictionEnabled', target: '#origin.closed', actions: 'evict' } },
        },
        connecting: {
          description: 'A socket is opening and none is connected yet.',
          on: {
            'sockets.changed': [
              { guard: 'hasConnected', target: 'ready', actions: 'recordSockets' },
              { guard: 'hasNoSockets', target: 'idle', actions: 'recordSockets' },
              { actions: 'recordSockets' },
            ],
          },
        },
        ready: {
          description: 'At least one socket is connected.',
          initial: 'settling',
          on: {
            'sockets.changed': [
              { guard: 'isOnlyConnecting', target: 'connecting', actions: 'recordSockets' },
              { guard: 'hasNoSockets', target: 'idle', actions: 'recordSockets' },
              { actions: 'recordSockets' },
            ],
          },
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
      on: { 'sockets.changed': { actions: 'recordSockets' }, 'origin.drain': 'draining' },
      after: { cooldown: { target: 'open' } },
    },
    draining: {
      description: 'close() was called: in-flight requests finish, new ones are refused.',
      on: { 'sockets.changed': { actions: 'recordSockets' }, 'origin.drained': 'closed' },
    },
    closed: { type: 'final', description: 'Closed or evicted; the registry has let go of it.' },
  },
});
