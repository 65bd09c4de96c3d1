// Redis for tests (DESIGN "Tests and traffic"): REDIS_URL when set, else a private
// redis-server on a free loopback port in a temp dir, one per caller, stopped by the test.
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackage } from './debian-package.ts';
import { freePort } from './free-port.ts';
import { redisCommand } from './resp.ts';

export interface RedisOptions {
  /** AOF with `appendfsync always`, so a restart keeps every acknowledged write. Ignored with REDIS_URL. */
  appendonly?: boolean;
}

export interface RedisHandle {
  url: string;
  port: number;
  /** The server's data dir; '' for an external REDIS_URL. */
  dir: string;
  /** True when REDIS_URL was used: restart() and kill() are unavailable. */
  external: boolean;
  /** The server's process id now; undefined for an external REDIS_URL. */
  pid(): number | undefined;
  /** SIGTERM, then deletes the dir; safe to call twice. A no-op for REDIS_URL. */
  stop(): Promise<void>;
  /** Graceful stop (if running) and start again on the same port and dir. */
  restart(): Promise<void>;
  /** SIGKILL, as a crash: the dir is kept, so restart() recovers from the AOF. */
  kill(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 10_000;
const running = new Set<ChildProcess>();
/** Temp dirs removed when the test process exits (the cluster harness adds its own). */
export const dirs = new Set<string>();

// A test process that dies without stop() must not leave redis-servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

export async function startRedis(options: RedisOptions = {}): Promise<RedisHandle> {
  const external = process.env.REDIS_URL;
  if (external) return externalRedis(external);

  const binary = await ensureDebianPackage('redis-server', 'redis-server', 'Or set REDIS_URL=redis://127.0.0.1:6379 to use a running Redis.');
  const dir = await mkdtemp(join(tmpdir(), 'courier-redis-'));
  dirs.add(dir);
  let port = 0;
  let child: ChildProcess | undefined;
  // freePort() can race with another process taking the port; a few fresh ports settle it.
  for (let attempt = 1; !child; attempt += 1) {
    port = await freePort();
    try {
      child = await launch(binary, port, dir, options);
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('Address already in use')) {
        await rm(dir, { recursive: true, force: true });
        dirs.delete(dir);
        throw error;
      }
    }
  }

  let stopping: Promise<void> | undefined;
  const handle: RedisHandle = {
    url: `redis://127.0.0.1:${port}`,
    port,
    dir,
    external: false,
    pid: () => child?.pid,
    stop() {
      stopping ??= (async () => {
        if (child) await terminate(child, 'SIGTERM');
        await rm(dir, { recursive: true, force: true });
        dirs.delete(dir);
      })();
      return stopping;
    },
    async restart() {
      if (stopping) throw new Error('restart() after stop(): the dir is gone');
      if (child) await terminate(child, 'SIGTERM');
      child = await launch(binary, port, dir, options);
    },
    async kill() {
      if (child) await terminate(child, 'SIGKILL');
    },
  };
  return handle;
}

function externalRedis(url: string): RedisHandle {
  const unavailable = (what: string) => () =>
    Promise.reject(new Error(`${what}() needs a redis-server started by the harness; unset REDIS_URL to get one`));
  return {
    url,
    port: Number(new URL(url).port || 6379),
    dir: '',
    external: true,
    pid: () => undefined,
    // Not ours to stop or flush: tests isolate themselves with key prefixes.
    stop: () => Promise.resolve(),
    restart: unavailable('restart'),
    kill: unavailable('kill'),
  };
}

/** Starts redis-server on `port` with its data in `dir`; resolves once it answers PING. `extraArgs` go last (they win). */
export async function launch(binary: string, port: number, dir: string, options: RedisOptions, extraArgs: readonly string[] = []): Promise<ChildProcess> {
  const args = [
    '--port', String(port),
    '--bind', '127.0.0.1',
    '--dir', dir,
    // No RDB snapshots (tests never need them, and forks slow a 2-core machine), and writes
    // fail rather than evict: a queue that silently loses keys would hide bugs.
    '--save', '',
    '--maxmemory-policy', 'noeviction',
    '--daemonize', 'no',
    '--logfile', '',
    ...(options.appendonly ? ['--appendonly', 'yes', '--appendfsync', 'always'] : ['--appendonly', 'no']),
    ...extraArgs,
  ];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.once('exit', () => running.delete(child));
  let log = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onOutput = (chunk: Buffer) => {
      log = (log + chunk.toString()).slice(-8192);
      // Printed once the dataset (AOF included) is loaded and the port is open.
      if (log.includes('Ready to accept connections')) resolve();
    };
    child.stdout?.on('data', onOutput);
    child.stderr?.on('data', onOutput);
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`redis-server exited before it was ready (code ${code}, signal ${signal}):\n${log}`)));
  });
  const watchdog = setTimeout(() => child.kill('SIGKILL'), READY_TIMEOUT_MS);
  try {
    await ready;
    const pong = await redisCommand(`redis://127.0.0.1:${port}`, 'PING');
    if (pong !== 'PONG') throw new Error(`redis-server answered PING with ${String(pong)}`);
  } catch (error) {
    await terminate(child, 'SIGKILL');
    throw error;
  } finally {
    clearTimeout(watchdog);
  }
  return child;
}

export async function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  // A graceful shutdown that hangs (e.g. a stuck fsync) must not hang the test run.
  const escalate = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(escalate);
}
