// Runs the `courier` command (apps/cli's main, as `npm run courier` does) in a process of its own
// and collects its output.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import { courierCommand } from '../../harness/index.ts';

const workspace = fileURLToPath(new URL('../../../', import.meta.url));

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `courier <args>` with `env` added to (and `REDIS_URL` removed from) this environment; killed after `timeoutMs`. */
export function runCourier(args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<CliRun> {
  const base = { ...process.env };
  delete base['REDIS_URL'];
  const child = spawn(process.execPath, [...courierCommand, ...args], {
    cwd: workspace,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...base, ...env },
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const watchdog = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) => {
    child.once('exit', (code) => {
      clearTimeout(watchdog);
      resolve({ code, stdout, stderr });
    });
  });
}
