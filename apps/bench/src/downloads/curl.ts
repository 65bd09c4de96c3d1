import { execFileSync } from 'node:child_process';
import { spawnOnAllCores } from './processes.ts';

function hasCurl(): boolean {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Debian's curl, installed with apt when missing and we are root (the issue asks the bench to
 * install it); otherwise an error saying how to install it.
 */
export function ensureCurl(log: (line: string) => void): void {
  if (hasCurl()) return;
  if (process.getuid?.() !== 0) throw new Error('curl is missing: install it (apt-get install -y curl) to run the downloads suite');
  log('curl is missing: apt-get install -y curl');
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', 'curl'], { stdio: 'ignore', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  if (!hasCurl()) throw new Error('apt-get install curl did not give a working curl');
}

/** `curl -s -S -f -o FILE URL`, timed from spawn to exit, in milliseconds (curl starts in a few ms). */
export function curlDownload(url: string, file: string, timeoutMs: number): Promise<{ elapsedMs: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawnOnAllCores('curl', ['-s', '-S', '-f', '-o', file, url], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2048)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run curl: ${err.message}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const elapsedMs = performance.now() - started;
      if (code === 0) resolve({ elapsedMs });
      else reject(new Error(`curl exited with ${code ?? signal}${signal === 'SIGKILL' ? ` (no end within ${timeoutMs} ms)` : ''}: ${stderr.trim()}`));
    });
  });
}
