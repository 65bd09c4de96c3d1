import { execFileSync } from 'node:child_process';
import { spawnOnAllCores } from '../processes.ts';

function hasCurl(): boolean {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Debian's curl, installed with apt when missing and we are root (so the suite runs on a fresh
 * Debian machine or container); otherwise an error saying how to install it.
 */
export function ensureCurl(log: (line: string) => void): void {
  if (hasCurl()) return;
  if (process.getuid?.() !== 0) throw new Error('curl is missing: install it (apt-get install -y curl) to run the downloads suite');
  log('curl is missing: apt-get install -y curl');
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'curl'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (!hasCurl()) throw new Error('apt-get install curl did not give a working curl');
}

/** Runs `command args` on every core to its end; resolves with its stdout, rejects with its stderr. */
function run(command: string, args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawnOnAllCores(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => (stdout = (stdout + chunk.toString()).slice(-4096)));
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2048)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${command}: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(stdout);
      else reject(new Error(`${command} exited with ${code ?? signal}${signal === 'SIGKILL' ? ` (no end within ${timeoutMs} ms)` : ''}: ${stderr.trim()}`));
    });
  });
}

/** `curl -s -S -f -o FILE URL`, timed from spawn to exit, in milliseconds (curl starts in a few ms). */
export async function curlDownload(url: string, file: string, timeoutMs: number): Promise<{ elapsedMs: number }> {
  const started = performance.now();
  await run('curl', ['-s', '-S', '-f', '-o', file, url], timeoutMs);
  return { elapsedMs: performance.now() - started };
}

/**
 * The same work as Courier's `download()` with curl and coreutils, one after the other:
 * `curl -s -S -f -o FILE URL`, then `sha256sum FILE` (the digest Courier computes while it
 * writes) and `sync FILE` (the fsync Courier does before its rename). Timed from curl's spawn to
 * sync's exit, in milliseconds; the digest is returned so the caller can check it.
 */
export async function curlVerifiedDownload(url: string, file: string, timeoutMs: number): Promise<{ elapsedMs: number; sha256: string }> {
  const started = performance.now();
  await run('curl', ['-s', '-S', '-f', '-o', file, url], timeoutMs);
  const sum = await run('sha256sum', [file], timeoutMs);
  await run('sync', [file], timeoutMs);
  return { elapsedMs: performance.now() - started, sha256: sum.split(/\s/, 1)[0] ?? '' };
}

/**
 * The same work as a pipeline, as a shell user would write it: `curl -s -S -f URL | tee FILE |
 * sha256sum` (the digest computed while the file is written, as Courier does), then `sync FILE`.
 * bash's `pipefail` makes a failing curl fail the whole. Timed from bash's spawn to sync's exit,
 * in milliseconds; the digest is returned so the caller can check it.
 */
export async function curlPipelineDownload(url: string, file: string, timeoutMs: number): Promise<{ elapsedMs: number; sha256: string }> {
  const started = performance.now();
  const sum = await run('bash', ['-c', 'set -o pipefail; curl -s -S -f "$1" | tee "$2" | sha256sum', 'curl-pipeline', url, file], timeoutMs);
  await run('sync', [file], timeoutMs);
  return { elapsedMs: performance.now() - started, sha256: sum.split(/\s/, 1)[0] ?? '' };
}
