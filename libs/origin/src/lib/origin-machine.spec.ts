import { createActor, initialTransition, SimulatedClock, transition, type EventFromLogic } from 'xstate';
import { describe, expect, it } from 'vitest';
import { originMachine } from './origin-machine.ts';

const input = { circuitThreshold: 3, circuitCooldownMs: 1_000, idleEvictionMs: 30_000 };

/** The snapshot after `events` from the initial state: pure transitions, actions not run. */
function walk(...events: EventFromLogic<typeof originMachine>[]) {
  let [snap] = initialTransition(originMachine, input);
  for (const e of events) [snap] = transition(originMachine, snap, e);
  return snap;
}

describe('origin machine', () => {
  it('starts idle', () => {
    expect(walk().value).toEqual({ open: 'idle' });
  });

  it('follows the sockets: idle → connecting → ready.available → active → available → idle', () => {
    const connecting = { type: 'sockets.changed', connected: 0, connecting: 1 } as const;
    const connected = { type: 'sockets.changed', connected: 1, connecting: 0 } as const;
    const none = { type: 'sockets.changed', connected: 0, connecting: 0 } as const;
    expect(walk(connecting).value).toEqual({ open: 'connecting' });
    expect(walk(connecting, connected).value).toEqual({ open: { ready: 'available' } });
    expect(walk(connecting, { type: 'requests.active' }, connected).value).toEqual({ open: { ready: 'active' } });
    expect(walk(connecting, connected, { type: 'requests.active' }, { type: 'requests.idle' }).value).toEqual({ open: { ready: 'available' } });
    expect(walk(connecting, connected, none).value).toEqual({ open: 'idle' });
  });

  it('a socket change while active keeps the active sub-state', () => {
    const snap = walk(
      { type: 'sockets.changed', connected: 1, connecting: 0 },
      { type: 'requests.active' },
      { type: 'sockets.changed', connected: 2, connecting: 0 },
    );
    expect(snap.value).toEqual({ open: { ready: 'active' } });
    expect(snap.context.connected).toBe(2);
  });

  it('opens the circuit at the threshold, and closes it after the cooldown', () => {
    const clock = new SimulatedClock();
    const actor = createActor(originMachine, { input, clock }).start();
    actor.send({ type: 'connect.failed' });
    actor.send({ type: 'connect.failed' });
    expect(actor.getSnapshot().value).toEqual({ open: 'idle' });
    actor.send({ type: 'connect.failed' });
    expect(actor.getSnapshot().value).toBe('backoff');
    clock.increment(999);
    expect(actor.getSnapshot().value).toBe('backoff');
    clock.increment(1);
    expect(actor.getSnapshot().value).toEqual({ open: 'idle' });
    // the next trip lasts twice as long
    actor.send({ type: 'connect.failed' });
    clock.increment(1_000);
    expect(actor.getSnapshot().value).toBe('backoff');
    clock.increment(1_000);
    expect(actor.getSnapshot().value).toEqual({ open: 'idle' });
  });

  it('evicts itself after the idle timeout, not before', () => {
    const clock = new SimulatedClock();
    let evicted = 0;
    const machine = originMachine.provide({ actions: { evict: () => void evicted++ } });
    const actor = createActor(machine, { input, clock }).start();
    clock.increment(29_999);
    expect(evicted).toBe(0);
    clock.increment(1);
    expect(evicted).toBe(1);
    expect(actor.getSnapshot().status).toBe('done');
  });

  it('a socket opening cancels the eviction timer', () => {
    const clock = new SimulatedClock();
    let evicted = 0;
    const machine = originMachine.provide({ actions: { evict: () => void evicted++ } });
    const actor = createActor(machine, { input, clock }).start();
    clock.increment(20_000);
    actor.send({ type: 'sockets.changed', connected: 0, connecting: 1 });
    clock.increment(20_000);
    expect(evicted).toBe(0);
  });

  it('drains to closed', () => {
    expect(walk({ type: 'origin.drain' }).value).toBe('draining');
    const done = walk({ type: 'origin.drain' }, { type: 'origin.drained' });
    expect(done.value).toBe('closed');
    expect(done.status).toBe('done');
  });

  it('a redirect hand-off goes from one origin chart to the other as `redirect.received`, states unchanged', () => {
    const a = createActor(originMachine, { input }).start();
    const b = createActor(originMachine, { input }).start();
    const received: unknown[] = [];
    // What b's chart takes in, seen through xstate's inspection of a's system (the relay).
    a.system.inspect((e) => {
      if (e.type === '@xstate.event' && e.sourceRef === a) received.push({ to: e.actorRef === b, event: e.event });
    });
    a.send({ type: 'redirect.handoff', hop: 1, from: 'http://a.test:80', to: 'http://b.test:80', target: b });
    expect(received).toEqual([{ to: true, event: { type: 'redirect.received', hop: 1, from: 'http://a.test:80', to: 'http://b.test:80' } }]);
    expect(a.getSnapshot().value).toEqual({ open: 'idle' });
    expect(b.getSnapshot().value).toEqual({ open: 'idle' });
    a.stop();
    b.stop();
  });
});
