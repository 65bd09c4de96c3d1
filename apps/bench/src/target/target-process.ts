import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CannedServerStats } from './canned-server.ts';
import type { FromTarget, ToTarget } from './protocol.ts';
import { repoRoot, stopChild } from '../processes.ts';

/** The canned server running in its own process (so it never competes with the clients' event loop). */
export interface TargetProcess {
  readonly ports: readonly number[];
  readonly pid: number;
  /** Counters plus the process's CPU time so far, in microseconds. */
  stats(): Promise<CannedServerStats & { cpuMicros: number }>;
  stop(): Promise<void>;
}

export interface TargetOptions {
  /** Ports to listen on (each on 127.0.0.1). */
  listeners: number;
  /** Pin the process to this core with `taskset -c`; null = no pinning. */
  core: number | null;
  /** How long to wait for it to listen, in milliseconds (tsx compiles on start; the machine is shared). */
  startTimeoutMs?: number;
}

const entry = fileURLToPath(new URL('./target-main.ts', import.meta.url));
const STATS_TIMEOUT_MS = 10_000;

export async function startTarget(options: TargetOptions): Promise<TargetProcess> {
  const nodeArgs = ['--import', 'tsx', entry, String(options.listeners)];
  const [command, args] = options.core === null
    ? [process.execPath, nodeArgs]
    : ['taskset', ['-c', String(options.core), process.execPath, ...nodeArgs]];
  // cwd = repo root so that `--import tsx` resolves from the workspace's node_modules.
  const child = spawn(command, args, { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ports = await waitReady(child, options.startTimeoutMs ?? 30_000);

  let nextId = 1;
  const waiting = new Map<number, (m: Extract<FromTarget, { type: 'stats' }>) => void>();
  child.on('message', (m: FromTarget) => {
    if (m.type === 'stats') waiting.get(m.id)?.(m);
  });
  let stopping: Promise<void> | null = null;

  return {
    ports,
    pid: child.pid!,
    stats: () =>
      new Promise((resolve, reject) => {
        const id = nextId++;
        const timer = setTimeout(() => {
          waiting.delete(id);
          reject(new Error(`target server did not answer a stats request within ${STATS_TIMEOUT_MS} ms`));
        }, STATS_TIMEOUT_MS);
        waiting.set(id, (m) => {
          clearTimeout(timer);
          waiting.delete(id);
          resolve({ ...m.stats, cpuMicros: m.cpuMicros });
        });
        send(child, { type: 'stats', id });
      }),
    stop: () => {
      stopping ??= stopChild(child, () => {
    if (child.connected) send(child, { type: 'stop' });
    else child.kill('SIGTERM');
      });
      return stopping;
    },
  };
}

function send(child: ChildProcess, message: ToTarget): void {
  if (child.connected) child.send(message);
}

function waitReady(child: ChildProcess, timeoutMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const fail = (err: Error): void => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    const timer = setTimeout(() => fail(new Error(`target server did not start within ${timeoutMs} ms`)), timeoutMs);
    child.once('error', (err) => fail(new Error(`cannot start the target server: ${err.message}`)));
    child.once('exit', (code, signal) => fail(new Error(`target server exited before listening (code ${code}, signal ${signal})`)));
    child.on('message', (m: FromTarget) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        child.removeAllListeners('error');
        child.on('error', () => {});
        resolve(m.ports);
      } else if (m.type === 'failed') {
        fail(new Error(`target server failed to start: ${m.message}`));
      }
    });
  });
}
