import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, onAllCores, stopChild } from '../processes.ts';

/**
 * Redis for the end-to-end rows: `REDIS_URL` as given, else a private Debian `redis-server` on a
 * free loopback port (a small copy of test/harness/redis.ts: apps do not import test code). Its
 * pid lets the suite read Redis's own CPU time per job.
 */
export interface BenchRedis {
  url: string;
  /** The server's pid, or null for an external `REDIS_URL` (its CPU time is then not reported). */
  pid: number | null;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;

/** `spread`: run it on every core even when the bench process is pinned (see onAllCores in processes.ts). */
export async function startBenchRedis(spread: boolean): Promise<BenchRedis> {
  const external = process.env['REDIS_URL'];
  if (external) return { url: external, pid: null, stop: async () => {} };
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'courier-bench-redis-'));
  // The harness's settings: no snapshots (a fork would stall a 2-core machine), noeviction, no AOF.
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--logfile', ''];
  const [command, argv] = onAllCores('redis-server', args, spread);
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`redis-server did not start within ${READY_TIMEOUT_MS} ms:\n${log}`)), READY_TIMEOUT_MS);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`cannot start redis-server (${error.message}): apt-get install redis-server, or set REDIS_URL`));
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`redis-server exited with ${code} before it was ready:\n${log}`));
      });
      const onOutput = (chunk: Buffer): void => {
        log = (log + chunk.toString()).slice(-4096);
        if (log.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onOutput);
      child.stderr!.on('data', onOutput);
    });
  } catch (error) {
    await stopChild(child);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  child.removeAllListeners('exit');
  // A bench that exits without stop() (process.exit after a failure) must not leave Redis behind.
  const killOnExit = (): void => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);
  return {
    url: `redis://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      process.off('exit', killOnExit);
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
