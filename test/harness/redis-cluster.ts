// A real Redis Cluster for tests: N masters (default 3) from Debian's redis-server, each on a free
// loopback port with `cluster-enabled yes`, joined by `redis-cli --cluster create`, ready once
// every node reports `cluster_state:ok`. One master can be restarted (same port, same dir: its
// nodes.conf keeps its identity and slots, its AOF keeps every acknowledged write).
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ensureDebianPackage } from './debian-package.ts';
import { freePort } from './free-port.ts';
import { dirs, launch, terminate } from './redis.ts';
import { redisCommand } from './resp.ts';
import { until } from './until.ts';

const run = promisify(execFile);
const READY_TIMEOUT_MS = 60_000;

export interface RedisClusterOptions {
  /** Masters (no replicas). Default 3, the smallest cluster `redis-cli --cluster create` accepts. */
  masters?: number;
}

export interface RedisClusterHandle {
  /** `host:port` of every master, in start order: the seed list (`REDIS_CLUSTER_NODES`). */
  nodes: string[];
  /** The seed list as `REDIS_CLUSTER_NODES` takes it (comma-separated). */
  seeds: string;
  ports: number[];
  /** Process ids of the masters now (a restarted master has a new one). */
  pids(): number[];
  /** Stops every node and deletes their dirs; safe to call twice. */
  stop(): Promise<void>;
  /**
   * Stops master `index` (SIGTERM, or SIGKILL with `{ crash: true }`), starts it again on the same
   * port and dir, and resolves once every node sees `cluster_state:ok` again.
   */
  restartMaster(index: number, options?: { crash?: boolean }): Promise<void>;
  /** `CLUSTER INFO` of node `index`, parsed (e.g. `cluster_state`). */
  info(index: number): Promise<Record<string, string>>;
}

export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisClusterHandle> {
  const masters = options.masters ?? 3;
  if (masters < 3) throw new Error('a Redis Cluster needs at least 3 masters');
  const binary = await ensureDebianPackage('redis-server', 'redis-server', 'The cluster harness needs Debian redis-server.');
  const cli = await ensureDebianPackage('redis-cli', 'redis-tools', 'The cluster harness needs redis-cli to create the cluster.');
  const root = await mkdtemp(join(tmpdir(), 'courier-redis-cluster-'));
  dirs.add(root);
  const nodes: Array<{ port: number; dir: string; child: ChildProcess | undefined }> = [];
  const clusterArgs = [
    '--cluster-enabled', 'yes',
    '--cluster-config-file', 'nodes.conf',
    // A master that is away is noticed within 2 s; the others keep serving their own slots meanwhile.
    '--cluster-node-timeout', '2000',
    '--cluster-require-full-coverage', 'no',
  ];
  // AOF with `appendfsync always`: a restarted master comes back with every acknowledged write.
  const start = (node: { port: number; dir: string }) => launch(binary, node.port, node.dir, { appendonly: true }, clusterArgs);
  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await Promise.all(nodes.map(async (n) => n.child && terminate(n.child, 'SIGTERM')));
      await rm(root, { recursive: true, force: true });
      dirs.delete(root);
    })();
    return stopping;
  };
  try {
    for (let i = 0; i < masters; i += 1) {
      const dir = join(root, `node-${i}`);
      await mkdir(dir);
      // freePort() can race with another process taking the port; a few fresh ports settle it.
      for (let attempt = 1; ; attempt += 1) {
        const node = { port: await freePort(), dir, child: undefined as ChildProcess | undefined };
        try {
          node.child = await start(node);
          nodes.push(node);
          break;
        } catch (error) {
          if (attempt >= 3 || !String(error).includes('Address already in use')) throw error;
        }
      }
    }
    const addresses = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run(cli, ['--cluster', 'create', ...addresses, '--cluster-replicas', '0', '--cluster-yes'], { timeout: READY_TIMEOUT_MS });
    await clusterOk(nodes.map((n) => n.port));
  } catch (error) {
    await stop();
    throw error;
  }

  return {
    nodes: nodes.map((n) => `127.0.0.1:${n.port}`),
    seeds: nodes.map((n) => `127.0.0.1:${n.port}`).join(','),
    ports: nodes.map((n) => n.port),
    pids: () => nodes.map((n) => n.child?.pid ?? 0),
    stop,
    async restartMaster(index, restart = {}) {
      const node = nodes[index];
      if (!node) throw new Error(`no master ${index} (the cluster has ${nodes.length})`);
      if (stopping) throw new Error('restartMaster() after stop()');
      if (node.child) await terminate(node.child, restart.crash ? 'SIGKILL' : 'SIGTERM');
      node.child = await start(node);
      await clusterOk(nodes.map((n) => n.port));
    },
    info: (index) => clusterInfo(nodes[index]!.port),
  };
}

async function clusterInfo(port: number): Promise<Record<string, string>> {
  const text = String(await redisCommand(`redis://127.0.0.1:${port}`, 'CLUSTER', 'INFO'));
  return Object.fromEntries(
    text
      .split('\r\n')
      .filter((line) => line.includes(':'))
      .map((line) => line.split(':', 2) as [string, string]),
  );
}

/** Every node agrees the cluster is up and all 16384 slots are served (gossip takes a moment). */
async function clusterOk(ports: number[]): Promise<void> {
  let last = '';
  await until(
    async () => {
      const infos = await Promise.all(ports.map((p) => clusterInfo(p).catch((error: unknown) => ({ error: String(error) }) as Record<string, string>)));
      last = JSON.stringify(infos.map((i) => [i['cluster_state'] ?? i['error'], i['cluster_slots_ok'], i['cluster_known_nodes']]));
      return infos.every((i) => i['cluster_state'] === 'ok' && i['cluster_slots_ok'] === '16384' && i['cluster_known_nodes'] === String(ports.length));
    },
    () => `cluster_state:ok on every node (last: ${last})`,
    READY_TIMEOUT_MS,
    100,
  );
}
