import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** Repo root: `--import tsx` and `@courier/*` resolve from the workspace's node_modules. */
export const repoRoot = fileURLToPath(new URL('../../../../', import.meta.url));

let widen: string[] | null = null;

/**
 * `taskset -c 0-N` for every core of the machine. The bench pins itself (and so its children) to
 * core 0; a download is a two-core job (network and disk in the kernel, hashing beside them), so
 * the downloads suite gives every process — its origin, Courier and curl alike — all cores.
 * `os.cpus()` and not `availableParallelism()`: the latter reads this process's (pinned) affinity.
 */
export function allCoresPrefix(): string[] {
  if (widen) return widen;
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    widen = ['taskset', '-c', `0-${Math.max(0, os.cpus().length - 1)}`];
  } catch {
    widen = [];
  }
  return widen;
}

/** Spawns `command args` on every core (see allCoresPrefix). */
export function spawnOnAllCores(command: string, args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  const prefix = allCoresPrefix();
  return prefix.length === 0 ? spawn(command, args, options) : spawn(prefix[0]!, [...prefix.slice(1), command, ...args], options);
}

/** A node process running a TypeScript entry with the workspace's source conditions, with an IPC channel. */
export function spawnNodeEntry(entry: string, args: string[]): ChildProcess {
  return spawnOnAllCores(process.execPath, ['--conditions=@courier/source', '--import', 'tsx', entry, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** A node process running a compiled JavaScript entry (no loader, no source conditions), with an IPC channel. */
export function spawnCompiledEntry(entry: string, args: string[]): ChildProcess {
  return spawnOnAllCores(process.execPath, [entry, ...args], { cwd: repoRoot, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

/** The first message `accept` takes, or an error if the child exits or `timeoutMs` passes first. */
export function nextMessage<T>(child: ChildProcess, what: string, timeoutMs: number, accept: (m: T) => boolean = () => true): Promise<T> {
  return new Promise((resolve, reject) => {
    const cleanup = (): void => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      child.off('error', onError);
    };
    const onMessage = (m: T): void => {
      if (!accept(m)) return;
      cleanup();
      resolve(m);
    };
    const onExit = (code: number | null, signal: string | null): void => {
      cleanup();
      reject(new Error(`${what}: the process exited (code ${code}, signal ${signal}) before answering`));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(new Error(`${what}: ${err.message}`));
    };
    const timer = setTimeout(() => {
      cleanup();
      child.kill('SIGKILL');
      reject(new Error(`${what}: no answer within ${timeoutMs} ms (process killed)`));
    }, timeoutMs);
    child.on('message', onMessage);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
