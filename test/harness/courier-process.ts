// Test helper: the `courier` command as separate processes, exactly as `npm start` runs it
// (a fresh Node compiling TypeScript with tsx, `courierCommand`). Shared by the CLI's own specs
// and the e2e suites; each passes the whole environment it wants the child to see.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { onTestFinished } from 'vitest';
import { courierCommand } from './courier-command.ts';

/** The repository root: the working directory of every `courier` child. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * A served Courier's environment from nothing but what a shell gives (PATH, HOME, TMPDIR): no
 * NODE_OPTIONS from the test runner, warn-level logs, a free port on loopback; plus `extra`.
 */
export function serverEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    TMPDIR: process.env.TMPDIR,
    NODE_OPTIONS: '',
    LOG_LEVEL: 'warn',
    PORT: '0',
    HOST: '127.0.0.1',
    ...extra,
  };
}

export interface ServedCourier {
  child: ChildProcess;
  url: string;
  stderr: () => string;
}

/** Starts a long-running `courier` command (stdout and stderr piped); killed when the test finishes. */
export function spawnCourier(args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [...courierCommand, ...args], { cwd: repoRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  onTestFinished(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
  return child;
}

/**
 * Starts `courier serve` (the caller sets PORT=0 in `env`) and resolves with the URL it prints
 * once it listens; killed when the test finishes.
 */
export async function serveCourier(env: NodeJS.ProcessEnv, args: string[] = []): Promise<ServedCourier> {
  const child = spawnCourier(['serve', ...args], env);
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const exited = once(child, 'exit').then(([code]) => {
    throw new Error(`courier serve exited with ${String(code)} before listening:\n${stderr}`);
  });
  const listening = (async () => {
    for await (const line of lines) {
      const match = /courier listening on (http:\/\/\S+)/.exec(line);
      if (match) return match[1]!;
    }
    throw new Error(`courier serve closed stdout before listening:\n${stderr}`);
  })();
  const url = await Promise.race([listening, exited]);
  return { child, url, stderr: () => stderr };
}

export interface CourierRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one `courier` command to its end. `code` is the exit code; `noExitCode` when the child
 * gave none (killed, e.g. by `timeoutMs`).
 */
export async function runCourier(args: string[], env: NodeJS.ProcessEnv, options: { timeoutMs?: number; noExitCode?: number } = {}): Promise<CourierRun> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [...courierCommand, ...args], { cwd: repoRoot, env, timeout: options.timeoutMs ?? 0 });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : (options.noExitCode ?? 1), stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}
