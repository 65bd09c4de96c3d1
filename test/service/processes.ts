/**
 * Child processes for the service tests: workers running `courier worker` as users do
 * (`node --conditions=@courier/source --import tsx`), and producers (producer.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { courierCommand } from '../harness/index.ts';
import type { ProducerMessage } from './producer.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const nodeArgs = ['--conditions=@courier/source', '--import', 'tsx'];
const READY_WATCHDOG_MS = 60_000;

export interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface WorkerChild {
  id: string;
  child: ChildProcess;
  /** Resolves once the worker logged "worker ready". */
  ready: Promise<void>;
  exited: Promise<ChildExit>;
  /** The last log lines (for failure messages). */
  log(): string;
  /** Resolves once a log line contains `text`. */
  logged(text: string): Promise<void>;
}

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  // Only what a child needs; the test runner's own REDIS_URL etc. must not leak in.
  return { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, NODE_OPTIONS: '', ...extra };
}

function track(child: ChildProcess): { exited: Promise<ChildExit>; lines: string[] } {
  const lines: string[] = [];
  const keep = (chunk: Buffer) => {
    for (const line of chunk.toString().split('\n')) if (line) lines.push(line);
    if (lines.length > 200) lines.splice(0, lines.length - 200);
  };
  // Always drained: a full pipe would block the child's synchronous logging.
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<ChildExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { exited, lines };
}

export function startWorkerChild(id: string, env: Record<string, string>): WorkerChild {
  const child = spawn(process.execPath, [...courierCommand, 'worker'], {
    cwd: repoRoot,
    env: baseEnv({ COURIER_WORKER_ID: id, LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const { exited, lines } = track(child);
  const ready = new Promise<void>((resolve, reject) => {
    const watchdog = setTimeout(() => reject(new Error(`worker ${id} not ready after ${READY_WATCHDOG_MS} ms:\n${lines.join('\n')}`)), READY_WATCHDOG_MS);
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('"msg":"worker ready"')) {
        clearTimeout(watchdog);
        resolve();
      }
    });
    void exited.then((e) => {
      clearTimeout(watchdog);
      reject(new Error(`worker ${id} exited before it was ready (${e.code ?? e.signal}):\n${lines.join('\n')}`));
    });
  });
  ready.catch(() => {});
  const logged = (text: string) =>
    new Promise<void>((resolve) => {
      if (lines.some((l) => l.includes(text))) return resolve();
      const onData = (chunk: Buffer) => {
        if (!chunk.toString().includes(text)) return;
        child.stdout!.off('data', onData);
        resolve();
      };
      child.stdout!.on('data', onData);
    });
  return { id, child, ready, exited, log: () => lines.join('\n'), logged };
}

export interface ProducerChild {
  /** Every acknowledged batch, in order. */
  acked: Array<{ keys: number[]; ids: string[]; duplicates: number; resent: boolean }>;
  /** Resolves when the producer reported done and exited 0. */
  done: Promise<void>;
}

export function startProducerChild(env: Record<string, string>): ProducerChild {
  const child = spawn(process.execPath, [...nodeArgs, 'test/service/producer.ts'], {
    cwd: repoRoot,
    env: baseEnv(env),
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  const { exited, lines } = track(child);
  const acked: ProducerChild['acked'] = [];
  let failure: string | null = null;
  child.on('message', (message: ProducerMessage) => {
    if (message.type === 'acked') acked.push({ keys: message.keys!, ids: message.ids!, duplicates: message.duplicates ?? 0, resent: message.resent ?? false });
    if (message.type === 'error') failure = message.message ?? 'error';
  });
  const done = exited.then((e) => {
    if (e.code !== 0) throw new Error(`producer failed (${e.code ?? e.signal}): ${failure ?? ''}\n${lines.join('\n')}`);
  });
  done.catch(() => {});
  return { acked, done };
}

/**
 * DESIGN "Tests and traffic": locks a starved worker won't lose, quick stall detection, fleet
 * leases far longer than their renewal interval — the worker timings of every fleet suite.
 */
export const fleetTestTimings: Readonly<Record<string, string>> = {
  COURIER_LOCK_DURATION_MS: '10000',
  COURIER_STALLED_INTERVAL_MS: '1000',
  COURIER_MAX_STALLED_COUNT: '3',
  COURIER_LEASE_TTL_MS: '10000',
  COURIER_LEASE_RENEW_MS: '1000',
};
