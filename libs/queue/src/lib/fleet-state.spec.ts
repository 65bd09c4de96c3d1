import { randomUUID } from 'node:crypto';
import { channels, type RequestEndMessage } from '@courier/origin';
import { Redis } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { deletePrefix } from '../testing/redis-dump.ts';
import { until, useTestRedis } from '../testing/test-redis.ts';
import type { FleetSource } from './driver.ts';
import { broadcastCloseConnections, publishFleetState, readFleetState } from './fleet-state.ts';
import { originSnapshot } from '../testing/origin-snapshot.ts';

const redis = useTestRedis();

const snapshot = originSnapshot;

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

  it("each worker's snapshot carries its own request figures per origin; an origin it ran no request to carries none", async () => {
    const { prefix, publish } = await setup();
    const origin = 'http://a.test:80';
    const withStats = (p50Ms: number, p99Ms: number): FleetSource => ({
      ...fakeSource(origin),
      origins: () => [snapshot(origin), snapshot('http://quiet.test:80')],
      requestStats: (o) => (o === origin ? { rps: 2, p50Ms, p99Ms } : { rps: 0, p50Ms: null, p99Ms: null }),
    });
    await publish('fast', withStats(5, 9));
    await publish('slow', withStats(400, 900));
    const state = await readFleetState(redis.conn, { prefix });
    const figures = (workerId: string, o: string) => state.find((w) => w.workerId === workerId)!.origins.find((x) => x.origin === o)!.requests;
    expect(figures('fast', origin)).toEqual({ rps: 2, p50Ms: 5, p99Ms: 9 });
    expect(figures('slow', origin)).toEqual({ rps: 2, p50Ms: 400, p99Ms: 900 });
    expect(figures('fast', 'http://quiet.test:80')).toBeUndefined();
  });

  it('without figures from its source, a worker publishes the requests that end in its process', async () => {
    const { prefix, publish } = await setup();
    const origin = 'http://measured.test:80';
    await publish('w1', fakeSource(origin));
    for (const durationMs of [10, 20, 30]) {
      channels.requestEnd.publish({ origin, method: 'GET', status: 200, durationMs, error: null } satisfies RequestEndMessage);
    }
    // The next heartbeat (every 100 ms here) carries them.
    await until(async () => (await readFleetState(redis.conn, { prefix }))[0]?.origins[0]?.requests !== undefined, 'the figures published');
    const [worker] = await readFleetState(redis.conn, { prefix });
    expect(worker!.origins[0]!.requests).toMatchObject({ p50Ms: 20, p99Ms: 30 });
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
