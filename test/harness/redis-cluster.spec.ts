import { Cluster } from 'ioredis';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startRedisCluster } from './redis-cluster.ts';
import { redisCommand } from './resp.ts';

describe('redis cluster harness', () => {
  it('starts 3 masters that share the 16384 slots, keeps writes across a master restart, and stop() ends them', async () => {
    const cluster = await startRedisCluster();
    onTestFinished(() => cluster.stop());
    expect(cluster.nodes).toHaveLength(3);
    const info = await cluster.info(0);
    expect(info).toMatchObject({ cluster_state: 'ok', cluster_slots_assigned: '16384', cluster_size: '3', cluster_known_nodes: '3' });

    const client = new Cluster(cluster.nodes.map((n) => ({ host: '127.0.0.1', port: Number(n.split(':')[1]) })));
    // While a master restarts the client reports it; the writes below are checked after.
    client.on('error', () => {});
    onTestFinished(() => client.disconnect());
    // Keys with different hash tags land on different masters: each master owns some of them.
    const keys = Array.from({ length: 30 }, (_, i) => `{k${i}}:v`);
    for (const key of keys) await client.set(key, key);
    const owners = new Set<string>();
    for (const key of keys) {
      const slot = Number(await client.cluster('KEYSLOT', key));
      const owner = await client.cluster('SLOTS');
      owners.add(String(owner.find(([from, to]) => slot >= from && slot <= to)![2]![1]));
    }
    expect(owners.size).toBe(3);

    await cluster.restartMaster(1, { crash: true });
    expect((await cluster.info(1))['cluster_state']).toBe('ok');
    for (const key of keys) expect(await client.get(key)).toBe(key);

    await cluster.stop();
    await expect(redisCommand(`redis://${cluster.nodes[0]}`, 'PING')).rejects.toThrow();
  }, 120_000);
});
