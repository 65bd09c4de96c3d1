import { randomUUID } from 'node:crypto';
import type { OriginSnapshot } from '@courier/origin';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { deletePrefix } from '../testing/redis-dump.ts';
import { useTestRedis } from '../testing/test-redis.ts';
import type { FleetSource } from './driver.ts';
import { broadcastCloseConnections, publishFleetState, readFleetState } from './fleet-state.ts';

const redis = useTestRedis();

function snapshot(origin: string): OriginSnapshot {
  return {
    origin,
    key: origin,
    state: 'available',
    sockets: { connected: 1, connecting: 0, free: 1, busy: 0, reusable: 1 },
    inFlight: 0,
    queued: 0,
    completed: 3,
    failed: 0,
    lastError: null,
  };
}

function fakeSource(origin: string, close: (remote?: string) => Promise<void> = async () => {}): FleetSource & { closed: Array<string | undefined> } {
  const closed: Array<string | undefined> = [];
  return {
    closed,
    origins: () => [snapshot(origin)],
    closeConnections: async (remote) => {
      closed.push(remote);
      await close(remote);
    },
  };
}

async function setup() {
  const prefix = `courier-test-${randomUUID()}`;
  onTestFinished(() => deletePrefix(redis.conn, prefix));
  const publish = async (workerId: string, source: FleetSource) => {
    const publisherConn = new Redis(redis.url);
    const publisher = await publishFleetState({ redis: publisherConn, prefix, workerId, source, heartbeatMs: 100, ttlMs: 1_000 });
    onTestFinished(async () => {
      await publisher.close();
      publisherConn.disconnect();
    });
    return publisher;
  };
  return { prefix, publish };
}

describe('fleet state', () => {
  it('lists every live worker with its origin snapshots; a closed worker leaves the view', async () => {
    const { prefix, publish } = await setup();
    await publish('w1', fakeSource('http://a.test:80'));
    const w2 = await publish('w2', fakeSource('http://b.test:80'));
    const state = await readFleetState(redis.conn, { prefix });
    expect(state.map((w) => w.workerId).sort()).toEqual(['w1', 'w2']);
    expect(state.find((w) => w.workerId === 'w2')!.origins).toEqual([snapshot('http://b.test:80')]);
    expect(state[0]!.pid).toBe(process.pid);
    await w2.close();
    expect((await readFleetState(redis.conn, { prefix })).map((w) => w.workerId)).toEqual(['w1']);
  });

  it('closeconnections reaches every worker and resolves once all reported drained', async () => {
    const { prefix, publish } = await setup();
    let releaseSlow: () => void = () => {};
    const slow = new Promise<void>((resolve) => {
      releaseSlow = resolve;
    });
    let arrivals = 0;
    let bothArrived: () => void = () => {};
    const arrived = new Promise<void>((resolve) => {
      bothArrived = resolve;
    });
    const arrive = () => {
      arrivals += 1;
      if (arrivals === 2) bothArrived();
    };
    const s1 = fakeSource('http://a.test:80', async () => arrive());
    const s2 = fakeSource('http://b.test:80', () => {
      arrive();
      return slow;
    });
    await publish('w1', s1);
    await publish('w2', s2);
    let settled = false;
    const report = broadcastCloseConnections(redis.conn, { prefix, remote: 'http://b.test', timeoutMs: 30_000 }).finally(() => {
      settled = true;
    });
    // w2 is still draining (its in-flight requests): the broadcast waits for it.
    await arrived;
    // w1's reply is published before w2's command even finishes; give the replies a round trip.
    await redis.conn.ping();
    expect(settled).toBe(false);
    releaseSlow();
    const done = await report;
    expect(done.drained.map((d) => d.workerId).sort()).toEqual(['w1', 'w2']);
    expect(done.missing).toEqual([]);
    expect(s1.closed).toEqual(['http://b.test']);
  });

  it('does not hang on a worker that dies without answering', async () => {
    const { prefix, publish } = await setup();
    await publish('alive', fakeSource('http://a.test:80'));
    // A worker that was live a moment ago (its hash has a short TTL) and never answers: it died.
    const key = `${prefix}:jobs:fleet:w:ghost`;
    await redis.conn.multi().hset(key, { state: '[]', heartbeatAt: String(Date.now()), hostname: 'h', pid: '1' }).pexpire(key, 300).zadd(`${prefix}:jobs:fleet:workers`, Date.now(), 'ghost').exec();
    const report = await broadcastCloseConnections(redis.conn, { prefix, timeoutMs: 30_000, livenessCheckMs: 50 });
    expect(report.drained.map((d) => d.workerId)).toEqual(['alive']);
    expect(report.missing).toEqual(['ghost']);
  });

  it('resolves at once with nobody to ask', async () => {
    const { prefix } = await setup();
    expect(await broadcastCloseConnections(redis.conn, { prefix })).toEqual({ drained: [], missing: [] });
  });
});
