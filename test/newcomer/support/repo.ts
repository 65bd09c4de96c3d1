// The newcomer suite's view of the checkout: where it is, and a command run to its end with a
// watchdog, as a user would run it from the repository root.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (the working directory of every command here). */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

export interface Finished {
  /** The exit code; null when the watchdog killed it. */
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `file args…` in `cwd` (default the repo root) to its end, killed after `timeoutMs`. */
export function runToEnd(file: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs: number }): Promise<Finished> {
  return new Promise((resolve) => {
    execFile(file, args, { cwd: options.cwd ?? repoRoot, env: options.env ?? process.env, timeout: options.timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof (error as { code?: unknown }).code === 'number' ? ((error as { code: number }).code) : null;
      resolve({ code, stdout, stderr });
    });
  });
}

/** The environment without the caller's Courier, Redis and npm settings: what a fresh shell has. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(env)) {
    if (/^(COURIER_|REDIS_URL$|PORT$|HOST$|INIT_CWD$|npm_|NODE_OPTIONS$)/.test(name)) delete env[name];
  }
  return { ...env, ...extra };
}
