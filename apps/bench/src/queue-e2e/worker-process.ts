import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerKind, WorkerMessage, WorkerRequest } from './worker-protocol.ts';
import { buildProjects, bundleAgainstBuild, compiledDir } from '../compile.ts';
import { nextMessage, onAllCores, repoRoot, stopChild } from '../processes.ts';

/** A worker child process and the requests the bench makes of it. */
export interface WorkerChild {
  readonly kind: WorkerKind;
  readonly pid: number;
  /** Its CPU time so far, in microseconds. */
  cpuMicros(): Promise<number>;
  profileStart(): Promise<void>;
  /** Stops the profiler and writes the `.cpuprofile` to `path`. */
  profileStop(path: string): Promise<void>;
  stop(): Promise<void>;
}

const source = fileURLToPath(new URL('./worker-main.ts', import.meta.url));
/** Generous: the machine is shared, and the first start loads every module from disk. */
const START_TIMEOUT_MS = 60_000;
const REQUEST_TIMEOUT_MS = 30_000;

/**
 * The worker children run as compiled JavaScript, as the Docker image runs Courier: `npm run
 * build` of `libs/worker` and the libraries it uses (Nx restores it from its cache when nothing
 * changed), and `worker-main.ts` compiled against that build. Through the tsx loader instead,
 * every closure Courier's code creates per job is also named at run time (esbuild's
 * `keepNames`), which measured ~8 µs of worker CPU per job — a cost of the development loader,
 * not of Courier. The plain worker runs from the same compiled file.
 */
export async function compileWorkerEntry(): Promise<string> {
  await buildProjects(['worker']);
  return bundleAgainstBuild(source, path.join(compiledDir, 'queue-e2e-worker-main.mjs'));
}

/**
 * `entry`: from {@link compileWorkerEntry}. `spread`: run it on every core even when the bench
 * process is pinned (see onAllCores in processes.ts).
 */
export async function startWorkerChild(entry: string, kind: WorkerKind, env: Record<string, string>, spread: boolean): Promise<WorkerChild> {
  const [command, args] = onAllCores(process.execPath, [entry, kind], spread);
  const child = spawn(command, args, {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    env: { ...process.env, ...env },
  });
  const started = await nextMessage<WorkerMessage>(child, `${kind} worker start`, START_TIMEOUT_MS, (m) => m.type === 'ready' || m.type === 'failed').catch(
    (error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    },
  );
  if (started.type === 'failed') {
    child.kill('SIGKILL');
    throw new Error(`${kind} worker failed to start: ${started.message}`);
  }
  child.on('error', () => {});

  let nextId = 1;
  const pending = new Map<number, { resolve(v: number | null): void; reject(e: Error): void }>();
  child.on('message', (m: WorkerMessage) => {
    if (m.type !== 'reply' && m.type !== 'error') return;
    const waiter = pending.get(m.id);
    if (!waiter) return;
    pending.delete(m.id);
    if (m.type === 'reply') waiter.resolve(m.value);
    else waiter.reject(new Error(`${kind} worker: ${m.message}`));
  });
  // A child that exits leaves no request waiting (nor its timer holding the bench's event loop).
  child.on('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${kind} worker exited`));
    pending.clear();
  });
  const call = (req: Omit<WorkerRequest, 'id'>): Promise<number | null> =>
    new Promise((resolve, reject) => {
      if (!child.connected) return reject(new Error(`${kind} worker is gone`));
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${kind} worker did not answer ${req.op} within ${REQUEST_TIMEOUT_MS} ms`));
      }, REQUEST_TIMEOUT_MS);
      pending.set(id, {
        resolve: (v) => {
          clearTimeout(timer);
          resolve(v);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
      });
      child.send({ ...req, id } as WorkerRequest);
    });

  let stopping: Promise<void> | null = null;
  return {
    kind,
    pid: child.pid!,
    cpuMicros: async () => (await call({ op: 'cpu' }))!,
    profileStart: async () => void (await call({ op: 'profile-start' })),
    profileStop: async (path) => void (await call({ op: 'profile-stop', path } as Omit<WorkerRequest, 'id'>)),
    stop: () => {
      stopping ??= stopChild(child, () => {
    call({ op: 'stop' }).catch(() => child.kill('SIGTERM'));
      });
      return stopping;
    },
  };
}
