import { assign, setup } from 'xstate';

/**
 * The life of one socket (one undici `Client`), a child actor of its origin's machine. Its
 * `reusable` flag and its state are the one record of whether the socket may take later
 * requests: a socket that closes, from either side, reaches `closed` by its own transition and
 * so stops counting as reusable, whatever else happened to it (issue 14's keep-alive bug).
 *
 * Busy and idle are not states here: they change twice per request, and the hot path affords
 * no event per request (DESIGN.md, hot-path budget); the adapter (socket-slot.ts) counts the
 * requests running on the socket. Events come from undici (`connected`, `connect.failed`,
 * `disconnected`, `closed`) and from the origin's decisions (`retire`, `close`).
 */
export interface SocketMachineContext {
  /** May take later requests (keep-alive). Only ever cleared. */
  reusable: boolean;
}

export type SocketMachineEvent =
  | { type: 'connected' }
  | { type: 'connect.failed' }
  /** A response said `Connection: close`, an error, or closeConnections(): no later request. */
  | { type: 'retire' }
  /** The origin closes (or destroys) the socket. */
  | { type: 'close' }
  /** undici reported the disconnect (either side closed). */
  | { type: 'disconnected' }
  /** The Client's close() / destroy() finished (also for a socket that never connected). */
  | { type: 'closed' };

export const socketMachine = setup({
  types: {
    context: {} as SocketMachineContext,
    events: {} as SocketMachineEvent,
    input: {} as { reusable: boolean },
  },
  actions: {
    retire: assign({ reusable: false }),
  },
}).createMachine({
  id: 'socket',
  context: ({ input }) => ({ reusable: input.reusable }),
  initial: 'connecting',
  on: {
    retire: { actions: 'retire' },
  },
  states: {
    connecting: {
      description: 'TCP (and TLS) connect under way; requests may already wait on it.',
      on: {
        connected: 'open',
        'connect.failed': 'closed',
        close: 'closing',
        closed: 'closed',
      },
    },
    open: {
      description: 'Connected: takes requests (later ones too, while reusable).',
      on: {
        close: 'closing',
        disconnected: 'closed',
        closed: 'closed',
      },
    },
    closing: {
      description: 'Closing: finishes what runs, takes nothing new.',
      entry: 'retire',
      on: {
        disconnected: 'closed',
        closed: 'closed',
      },
    },
    closed: {
      type: 'final',
      description: 'Gone: the origin lets go of it (it leaves the set of children).',
      entry: 'retire',
    },
  },
});
