import { getShortestPaths } from '@xstate/graph';
import { createActor, createMachine, getInitialSnapshot, getNextSnapshot, SimulatedClock, type AnyStateMachine, type EventObject, type SnapshotFrom } from 'xstate';
import { describe, expect, it } from 'vitest';
import { originMachine } from './origin-machine.ts';
import { socketMachine } from './socket-machine.ts';

/**
 * Model-based tests: @xstate/graph walks the machine (from its definition, with the events
 * below) to every reachable snapshot by a shortest path; each path, and each path extended by
 * every event, is then replayed on a live actor with a simulated clock (delayed transitions
 * fire by advancing the clock, not by sending their internal event). At each step the live
 * snapshot must equal the model's (the pure transition function stepped beside it: value,
 * context, status), and the invariants must hold. The transitions the live
 * actors took (xstate's inspection: every microstep, eventless ones too) must cover every
 * transition of the definition, and the snapshots (microsteps too) every state node.
 */

type AnyNode = AnyStateMachine['root'];
type Transition = NonNullable<AnyNode['always']>[number];

function stateNodes(node: AnyNode): AnyNode[] {
  return [node, ...(Object.values(node.states) as AnyNode[]).flatMap(stateNodes)];
}

function transitionsOf(machine: AnyStateMachine): Transition[] {
  return stateNodes(machine.root).flatMap((n) => [...[...n.transitions.values()].flat(), ...(n.always ?? [])]);
}

/** Whether `node` is active in a snapshot whose value is `value`. */
function isActive(value: unknown, path: readonly string[]): boolean {
  let v = value;
  for (const key of path) {
    if (typeof v === 'string') return v === key && path[path.length - 1] === key;
    if (v === null || typeof v !== 'object' || !(key in v)) return false;
    v = (v as Record<string, unknown>)[key];
  }
  return true;
}

/** Names of the active state nodes of a value: `open`, `open.ready`, `open.ready.active`. */
function activePaths(value: unknown, prefix = ''): string[] {
  if (typeof value === 'string') return [`${prefix}${value}`];
  return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => [`${prefix}${k}`, ...activePaths(v, `${prefix}${k}.`)]);
}

/** The delayed events a snapshot can take next, as `xstate.after.<delay>.<state id>` events. */
function delayedEvents(machine: AnyStateMachine, value: unknown): EventObject[] {
  return stateNodes(machine.root)
    .filter((n) => n.after.length > 0 && isActive(value, n.path))
    .flatMap((n) => n.after.map((t) => ({ type: t.eventType })));
}

/** How far to advance the clock for a delayed event, from the machine's delay implementations. */
function delayMs(machine: AnyStateMachine, type: string, context: unknown): number {
  const name = type.split('.')[2]!;
  if (/^\d+$/.test(name)) return Number(name);
  const delay = (machine.implementations.delays as Record<string, unknown>)[name];
  return typeof delay === 'function' ? (delay as (a: { context: unknown }) => number)({ context }) : Number(delay);
}

/** What the replay compares and the invariants read, for any machine. */
interface Snap {
  value: unknown;
  context: unknown;
  status: string;
}

interface ModelSpec<S extends Snap> {
  machine: AnyStateMachine;
  input: unknown;
  /** The external events to try in every snapshot. */
  events: EventObject[];
  invariant: (snapshot: S) => void;
  /**
   * What makes two snapshots the same for the traversal (default: value and context). Counters
   * that only grow are projected here, so the graph stays finite.
   */
  serialize?: (snapshot: S) => string;
}

function checkModel<S extends Snap>(spec: ModelSpec<S>) {
  const { machine, input } = spec;
  const events = (snap: S) => [...spec.events, ...delayedEvents(machine, snap.value)];
  const serialize = spec.serialize ?? ((snap: S) => JSON.stringify({ value: snap.value, context: snap.context }));
  const paths = getShortestPaths(machine, { input, events: events as never, serializeState: serialize as never });
  const taken = new Set<Transition>();
  const visited = new Set<string>();
  let runs = 0;
  const replay = (events: EventObject[]) => {
    runs += 1;
    const clock = new SimulatedClock();
    const actor = createActor(machine, {
      input,
      clock,
      inspect: (e: { type: string; actorRef: unknown }) => {
        // This machine's microsteps only, not its children's (the socket actors).
        if (e.type !== '@xstate.microstep' || e.actorRef !== actor) return;
        const micro = e as unknown as { _transitions: Transition[]; snapshot: { value: unknown } };
        for (const t of micro._transitions) taken.add(t);
        // Transient states (left by an eventless transition) show only in a microstep.
        for (const p of activePaths(micro.snapshot.value)) visited.add(p);
      },
    } as never);
    actor.start();
    // The model: the pure transition function, stepped beside the live actor.
    let model = getInitialSnapshot(machine, input) as unknown as S;
    for (const event of events) {
      if (event.type === 'xstate.init') continue;
      const before = actor.getSnapshot() as unknown as S;
      if (event.type.startsWith('xstate.after.')) clock.increment(delayMs(machine, event.type, before.context));
      else actor.send(event as never);
      // A stopped (final) actor takes no more events; getNextSnapshot would still apply them.
      if (model.status === 'active') model = getNextSnapshot(machine, model as never, event as never) as unknown as S;
      const live = actor.getSnapshot() as unknown as S;
      expect({ value: live.value, context: live.context, status: live.status }).toEqual({
        value: model.value,
        context: model.context,
        status: model.status,
      });
      for (const p of activePaths(live.value)) visited.add(p);
      spec.invariant(live);
    }
    actor.stop();
  };
  for (const path of paths) {
    const steps = path.steps.map((step) => step.event as EventObject);
    replay(steps);
    if (path.state.status !== 'active') continue;
    // Extend each path by every event: a transition into an already reached snapshot is the
    // last step of no shortest path, so this is what covers every transition.
    for (const event of events(path.state as unknown as S)) replay([...steps, event]);
  }
  return { paths: paths.length, runs, taken, visited };
}

const input = { circuitThreshold: 2, circuitCooldownMs: 30_000, idleEvictionMs: 10_000 };
type OriginSnapshot = SnapshotFrom<typeof originMachine>;

function originInvariant(snap: OriginSnapshot): void {
  const c = snap.context;
  const is = (path: string[]) => isActive(snap.value, path);
  // The state follows the sockets the actor reported.
  if (is(['open', 'idle'])) expect(c.connected + c.connecting).toBe(0);
  if (is(['open', 'connecting'])) expect([c.connected, c.connecting > 0]).toEqual([0, true]);
  if (is(['open', 'ready'])) expect(c.connected).toBeGreaterThan(0);
  // Within `ready`, active ⇔ requests in flight.
  if (is(['open', 'ready'])) expect(is(['open', 'ready', 'active'])).toBe(c.inFlight > 0);
  // The circuit is open only after `circuitThreshold` consecutive failures.
  if (snap.value === 'backoff') expect(c.connectFailures).toBeGreaterThanOrEqual(c.circuitThreshold);
  expect(c.cooldownMs).toBeGreaterThanOrEqual(c.baseCooldownMs);
  expect(c.cooldownMs).toBeLessThanOrEqual(60_000);
  expect(snap.status === 'done').toBe(snap.value === 'closed');
  // While a closeConnections() is pending no socket child is reusable (retired, or spawned so).
  if (c.drainsPending > 0) {
    for (const child of Object.values(snap.children)) expect((child as { getSnapshot(): { context: { reusable: boolean } } }).getSnapshot().context.reusable).toBe(false);
  }
  // Every pending closeConnections() call opened a generation.
  expect(c.drainsPending).toBeGreaterThanOrEqual(0);
  expect(c.generation).toBeGreaterThanOrEqual(c.drainsPending);
}

/** The other origin's actor a hand-off goes to: a bare running actor (it drops what it gets). */
const handoffTarget = createActor(createMachine({})).start();

describe('origin machine, model-based', () => {
  it('every generated path replays on a live actor with the model snapshots and the invariants; every state and transition is covered', () => {
    const events = [
      { type: 'sockets.changed', connected: 0, connecting: 1 },
      { type: 'sockets.changed', connected: 1, connecting: 0 },
      { type: 'sockets.changed', connected: 1, connecting: 1 },
      { type: 'sockets.changed', connected: 0, connecting: 0 },
      { type: 'requests.active' },
      { type: 'requests.idle' },
      { type: 'connect.failed' },
      { type: 'connect.succeeded' },
      { type: 'origin.drain' },
      { type: 'origin.drained' },
      { type: 'origin.destroy' },
      // The socket children: spawned on open, dropped when they reach `closed` (their done event).
      { type: 'socket.open', id: 's1', reusable: true },
      { type: 'xstate.done.actor.s1', actorId: 's1' },
      { type: 'connections.close', waits: true },
      { type: 'connections.close', waits: false },
      { type: 'connections.drained', count: 1 },
      // Redirect hand-offs, out (to another origin's actor, a bare one here) and in.
      { type: 'redirect.handoff', hop: 1, from: 'http://a.test:80', to: 'http://b.test:80', target: handoffTarget },
      { type: 'redirect.received', hop: 2, from: 'http://b.test:80', to: 'http://a.test:80' },
    ] as const;
    const result = checkModel<OriginSnapshot>({
      machine: originMachine,
      input,
      events: [...events],
      invariant: originInvariant,
      // The generation only grows, and one pending drain behaves like many: project both.
      serialize: (snap) => {
        const { generation, drainsPending, ...rest } = snap.context;
        // The socket children are part of the state: a spawned socket is a step of its own.
        const children = Object.keys(snap.children);
        return JSON.stringify({ value: snap.value, rest, drains: Math.min(drainsPending, 2), gen: generation > 0, children });
      },
    });
    const allStates = stateNodes(originMachine.root).filter((n) => n.path.length > 0).map((n) => n.path.join('.'));
    expect([...result.visited].sort()).toEqual([...allStates].sort());
    const missing = transitionsOf(originMachine).filter((t) => !result.taken.has(t));
    expect(missing.map((t) => `${t.source.path.join('.')} on ${t.eventType}`)).toEqual([]);
    expect(result.paths).toBeGreaterThan(10);
  });
});

type SocketSnapshot = SnapshotFrom<typeof socketMachine>;

function socketInvariant(reusableAtOpen: boolean) {
  return (snap: SocketSnapshot): void => {
    // A socket closing or closed is never reusable: the origin cannot count it as one.
    if (snap.value === 'closing' || snap.value === 'closed') expect(snap.context.reusable).toBe(false);
    // Reusable is only ever cleared.
    if (!reusableAtOpen) expect(snap.context.reusable).toBe(false);
    expect(snap.status === 'done').toBe(snap.value === 'closed');
  };
}

describe('socket machine, model-based', () => {
  for (const reusable of [true, false]) {
    it(`opened ${reusable ? 'reusable' : 'one-off'}: every path replays with the model snapshots and the invariants; every state and transition is covered`, () => {
      const events = ['connected', 'connect.failed', 'retire', 'close', 'disconnected', 'closed'].map((type) => ({ type }));
      const result = checkModel<SocketSnapshot>({ machine: socketMachine, input: { reusable }, events, invariant: socketInvariant(reusable) });
      const allStates = stateNodes(socketMachine.root).filter((n) => n.path.length > 0).map((n) => n.path.join('.'));
      expect([...result.visited].sort()).toEqual([...allStates].sort());
      const missing = transitionsOf(socketMachine).filter((t) => !result.taken.has(t));
      expect(missing.map((t) => `${t.source.path.join('.')} on ${t.eventType}`)).toEqual([]);
    });
  }
});
