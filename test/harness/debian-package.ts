// Finds a binary, installing its Debian package when it is missing and we are root
// (DESIGN "Tests and traffic"). `.ci/run` normally installs packages up front; this is the
// fallback, and parallel test workers must not run apt-get at once: a lock file in the temp dir
// (created with 'wx', holding the owner's pid) serialises them across processes.
import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, open, readFile, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const LOCK_WAIT_MS = 10 * 60_000;
const LOCK_POLL_MS = 250;

/** The absolute path of `binary` on PATH (or in /usr/sbin, /usr/bin), or undefined. */
export async function findBinary(binary: string): Promise<string | undefined> {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), '/usr/sbin', '/usr/bin', '/usr/local/bin'];
  for (const dir of dirs.filter(Boolean)) {
    const candidate = join(dir, binary);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here; next directory
    }
  }
  return undefined;
}

/** Returns the path of `binary`, installing Debian package `pkg` first when missing and root. */
export async function ensureDebianPackage(binary: string, pkg: string, hint: string): Promise<string> {
  const found = await findBinary(binary);
  if (found) return found;
  if (process.getuid?.() !== 0) {
    throw new Error(`${binary} is not installed. Install it with \`sudo apt-get install -y ${pkg}\` (Debian/Ubuntu). ${hint}`);
  }
  await withLock(join(tmpdir(), `courier-apt-${pkg}.lock`), async () => {
    // Another process may have installed it while we waited for the lock.
    if (await findBinary(binary)) return;
    try {
      await aptGet('install', '-y', pkg);
    } catch {
      // A fresh container has no package lists yet.
      await aptGet('update');
      await aptGet('install', '-y', pkg);
    }
  });
  const installed = await findBinary(binary);
  if (!installed) throw new Error(`installed ${pkg} but ${binary} is still not on PATH`);
  return installed;
}

function aptGet(...args: string[]) {
  // Wait for dpkg's own lock too, in case `.ci/run` or a person is installing something.
  return run('apt-get', ['-o', 'DPkg::Lock::Timeout=300', ...args], {
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    maxBuffer: 64 * 1024 * 1024,
  });
}

async function withLock(path: string, task: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await ownerIsGone(path)) {
      await unlink(path).catch(() => {});
      continue;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${path}; remove it if no install is running`);
    // Another process holds the lock; there is no cross-process event to await, so poll.
    await new Promise((resolve) => setTimeout(resolve, LOCK_POLL_MS));
  }
  try {
    await task();
  } finally {
    await unlink(path).catch(() => {});
  }
}

// A lock left by a crashed process would block every later run.
async function ownerIsGone(path: string): Promise<boolean> {
  const pid = Number(await readFile(path, 'utf8').catch(() => ''));
  // An empty file: the owner is between open() and writeFile(); treat it as alive.
  if (!pid) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
