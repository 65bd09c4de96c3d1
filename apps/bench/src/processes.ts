import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

/** The repository root: children run from it, so `--import tsx` and `@courier/*` resolve from its node_modules. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** How long a child may take to exit after SIGTERM (or its own stop message) before SIGKILL. */
const STOP_TIMEOUT_MS = 10_000;

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * Resolves once `child` has exited: `ask` starts a graceful stop (default SIGTERM), and SIGKILL
 * follows after STOP_TIMEOUT_MS. Already exited → at once.
 */
export function stopChild(child: ChildProcess, ask: () => void = () => child.kill('SIGTERM')): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    ask();
  });
}

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

/**
 * The command line that runs `command args` on every core of the machine. A child inherits the
 * CPU affinity of the bench process, which `BENCH_PIN` confines to core 0; Redis, the workers or
 * a download would then share that one core with the bench. With `spread` false (no pinning
 * happened), or without `taskset`, the command is run as it is.
 */
export function onAllCores(command: string, args: readonly string[], spread = true): [string, string[]] {
  const prefix = spread ? allCoresPrefix() : [];
  return prefix.length === 0 ? [command, [...args]] : [prefix[0]!, [...prefix.slice(1), command, ...args]];
}

/** Spawns `command args` on every core (see onAllCores). */
export function spawnOnAllCores(command: string, args: string[], options: Parameters<typeof spawn>[2]): ChildProcess {
  const [line, argv] = onAllCores(command, args);
  return spawn(line, argv, options);
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
