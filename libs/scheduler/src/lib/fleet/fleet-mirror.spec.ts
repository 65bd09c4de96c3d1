import type { OriginSnapshot } from '@courier/origin';
import type { FleetWorkerState } from '@courier/queue';
import { describe, expect, it } from 'vitest';
import { FleetMirror } from './fleet-mirror.ts';

const A = 'http://127.0.0.1:1001';
const B = 'http://127.0.0.1:1002';

function origin(name: string, reusable: number): OriginSnapshot {
  return {
    origin: name,
    key: name,
    state: reusable > 0 ? 'available' : 'idle',
    sockets: { connected: reusable, connecting: 0, free: reusable, busy: 0, reusable },
    inFlight: 0,
    queued: 0,
    completed: 1,
    failed: 0,
    lastError: null,
  } as OriginSnapshot;
}

function worker(workerId: string, heartbeatAt: number, origins: Record<string, number>): FleetWorkerState {
  return { workerId, hostname: 'h', pid: 1, heartbeatAt, origins: Object.entries(origins).map(([o, n]) => origin(o, n)) };
}

function read(mirror: FleetMirror, states: FleetWorkerState[]): void {
  mirror.apply(mirror.beginRead(), states);
}

describe('FleetMirror', () => {
  it('is true while a live worker publishes a reusable socket for the origin, false otherwise', () => {
    const mirror = new FleetMirror();
    expect(mirror.hasConnection(A)).toBe(false);
    read(mirror, [worker('w1', 100, { [A]: 1, [B]: 0 }), worker('w2', 100, {})]);
    expect(mirror.hasConnection(A)).toBe(true);
    expect(mirror.hasConnection(B)).toBe(false);
    // w1's hash expired (dead): its sockets are gone from the view.
    read(mirror, [worker('w2', 1100, {})]);
    expect(mirror.hasConnection(A)).toBe(false);
  });

  it('keeps a socket one of our jobs left until the worker publishes a state taken after it', () => {
    const mirror = new FleetMirror();
    read(mirror, [worker('w1', 100, {})]);
    const inFlight = mirror.beginRead(); // a read that started before the job finished
    mirror.noteReusable('w1', A);
    expect(mirror.hasConnection(A)).toBe(true);
    mirror.apply(inFlight, [worker('w1', 100, {})]);
    expect(mirror.hasConnection(A)).toBe(true);
    // The first read after the note sees a heartbeat that may predate the job: still ours.
    read(mirror, [worker('w1', 1100, {})]);
    expect(mirror.hasConnection(A)).toBe(true);
    // A newer heartbeat was taken after the job: the worker's word wins (here: closed since).
    read(mirror, [worker('w1', 2100, {})]);
    expect(mirror.hasConnection(A)).toBe(false);
  });

  it('hides a drained worker’s published sockets until it publishes again, but not what came after the drain', () => {
    const mirror = new FleetMirror();
    read(mirror, [worker('w1', 100, { [A]: 1 }), worker('w2', 100, { [B]: 1 })]);
    mirror.noteDrained(['w1']);
    expect(mirror.hasConnection(A)).toBe(false);
    expect(mirror.hasConnection(B)).toBe(true); // w2 did not report drained
    read(mirror, [worker('w1', 100, { [A]: 1 }), worker('w2', 100, { [B]: 1 })]);
    expect(mirror.hasConnection(A)).toBe(false);
    mirror.noteReusable('w1', B);
    read(mirror, [worker('w1', 1100, { [A]: 1 })]);
    expect(mirror.hasConnection(B)).toBe(true);
    read(mirror, [worker('w1', 2100, { [A]: 1 })]);
    // Fresh state after the drain: what the worker says now.
    expect(mirror.hasConnection(A)).toBe(true);
    expect(mirror.hasConnection(B)).toBe(false);
  });

  it('forgets what it noted for a worker that left the view', () => {
    const mirror = new FleetMirror();
    mirror.noteReusable('w9', A);
    expect(mirror.hasConnection(A)).toBe(true);
    read(mirror, [worker('w1', 100, {})]);
    expect(mirror.hasConnection(A)).toBe(false);
  });

  it('ignores a read that finished after a newer one', () => {
    const mirror = new FleetMirror();
    const older = mirror.beginRead();
    const newer = mirror.beginRead();
    mirror.apply(newer, [worker('w1', 200, { [A]: 1 })]);
    mirror.apply(older, [worker('w1', 100, {})]);
    expect(mirror.hasConnection(A)).toBe(true);
    expect(mirror.reads).toBe(newer);
    expect(mirror.workers).toBe(1);
  });

  it('says false once a job of ours got Connection: close on that worker, until a heartbeat taken afterwards (issue 15)', () => {
    const mirror = new FleetMirror();
    read(mirror, [worker('w1', 100, { [A]: 1 }), worker('w2', 100, { [A]: 1 })]);
    mirror.noteClosed('w1', A);
    // w2 still publishes its own keep-alive socket to A.
    expect(mirror.hasConnection(A)).toBe(true);
    read(mirror, [worker('w1', 100, { [A]: 1 }), worker('w2', 100, {})]);
    expect(mirror.hasConnection(A)).toBe(false); // w1's stale snapshot no longer counts
    // A heartbeat newer than the one the first later read saw was taken after the close: it
    // speaks for itself (the worker reconnected meanwhile).
    read(mirror, [worker('w1', 1100, { [A]: 1 }), worker('w2', 1100, {})]);
    expect(mirror.hasConnection(A)).toBe(true);
  });

  it('says true while a job of ours runs, before any heartbeat shows its socket (issue 15)', () => {
    const mirror = new FleetMirror();
    read(mirror, [worker('w1', 100, {})]);
    mirror.noteJobActive(A);
    mirror.noteJobActive(A);
    expect(mirror.hasConnection(A)).toBe(true);
    mirror.noteJobEnded(A);
    expect(mirror.hasConnection(A)).toBe(true);
    mirror.noteJobEnded(A);
    expect(mirror.hasConnection(A)).toBe(false);
  });

  it('lets the view speak once every worker published after a job became active: a dead worker\'s job no longer counts', () => {
    const mirror = new FleetMirror();
    read(mirror, [worker('w1', 100, {}), worker('w2', 100, {})]);
    mirror.noteJobActive(A);
    read(mirror, [worker('w1', 100, {}), worker('w2', 100, {})]); // the first read after: its heartbeats are the reference
    expect(mirror.hasConnection(A)).toBe(true);
    read(mirror, [worker('w1', 1100, {}), worker('w2', 100, {})]);
    expect(mirror.hasConnection(A)).toBe(true); // w2 has not published since
    // w2 died (its hash expired), w1 published again: the view speaks, and shows no socket.
    read(mirror, [worker('w1', 2100, {})]);
    expect(mirror.hasConnection(A)).toBe(false);
    mirror.noteJobEnded(A); // harmless once dropped
    expect(mirror.hasConnection(A)).toBe(false);
  });
});
