import { execFile } from 'node:child_process';
import { mkdir, rm, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { setTimeout as delay } from 'node:timers/promises';
import { repoRoot } from './processes.ts';

/** The part of esbuild's API used here (esbuild ships its own types; these keep the bench free of a direct dependency). */
interface Esbuild {
  build(options: {
    entryPoints: string[];
    outfile: string;
    bundle: true;
    platform: 'node';
    format: 'esm';
    target: string;
    conditions?: string[];
    packages?: 'external';
    absWorkingDir: string;
    banner?: { js: string };
    logLevel: 'error';
  }): Promise<unknown>;
}

/**
 * esbuild as installed with tsx (a root devDependency, which bundles TypeScript with it): the
 * bench needs the very compiler tsx uses, and declaring a second copy would only risk two
 * versions. Resolved from tsx's own location so hoisting does not matter.
 */
function loadEsbuild(): Esbuild {
  const fromTsx = createRequire(createRequire(path.join(repoRoot, 'package.json')).resolve('tsx/package.json'));
  return fromTsx('esbuild') as Esbuild;
}

const target = `node${process.versions.node.split('.')[0]}`;

/**
 * One ES module with `entry` and everything it imports, the workspace packages from their
 * TypeScript sources included (the `@courier/source` condition), for a child process that must
 * run as compiled JavaScript rather than through the tsx loader.
 */
export async function bundleWithSources(entry: string, outfile: string): Promise<string> {
  await loadEsbuild().build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target,
    conditions: ['@courier/source'],
    absWorkingDir: repoRoot,
    // CommonJS dependencies (undici, ioredis) call require(): give the ES module one.
    banner: { js: "import { createRequire as __courierCreateRequire } from 'node:module'; const require = __courierCreateRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return outfile;
}

/**
 * `entry` compiled on its own, every package it imports left to Node: the workspace packages then
 * load from their `npm run build` output (`dist/`), as in the Docker image. `outfile` must lie
 * inside the repository, so that those imports resolve from its node_modules.
 */
export async function bundleAgainstBuild(entry: string, outfile: string): Promise<string> {
  await loadEsbuild().build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target, packages: 'external', absWorkingDir: repoRoot, logLevel: 'error' });
  return outfile;
}

/** Where compiled bench children go: inside the repository (see bundleAgainstBuild), ignored by git. */
export const compiledDir = path.join(repoRoot, 'node_modules', '.cache', 'courier-bench');

/** A lock older than this is left over from a killed build and is taken over. */
const STALE_BUILD_LOCK_MS = 10 * 60_000;
const BUILD_LOCK_POLL_MS = 100;

/**
 * Runs `build` while holding a lock shared by every process of this checkout (an exclusive
 * `mkdir`). Two bench suites (or their specs, run in parallel by vitest) build the same `dist/`
 * folders: overlapping, one build rewrites files a child of the other is loading (seen as
 * ERR_MODULE_NOT_FOUND). One after the other, the second finds its outputs current and leaves
 * them as they are. Node has no cross-process lock of its own; this one is a directory.
 */
async function withBuildLock<T>(build: () => Promise<T>): Promise<T> {
  await mkdir(compiledDir, { recursive: true });
  const lock = path.join(compiledDir, 'build.lock');
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const since = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (since > STALE_BUILD_LOCK_MS) await rm(lock, { recursive: true, force: true });
      else await delay(BUILD_LOCK_POLL_MS);
    }
  }
  try {
    return await build();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * `npm run build` for `projects` and what they depend on (Nx's `^build`), from its cache when
 * the sources did not change; one build at a time in this checkout (`withBuildLock`). Throws with
 * Nx's output when the build fails.
 */
export function buildProjects(projects: readonly string[]): Promise<void> {
  return withBuildLock(() => runNxBuild(projects));
}

async function runNxBuild(projects: readonly string[]): Promise<void> {
  const nx = path.join(repoRoot, 'node_modules', '.bin', 'nx');
  try {
    await promisify(execFile)(nx, ['run-many', '-t', 'build', '-p', ...projects, '--outputStyle=static'], {
      cwd: repoRoot,
      env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true' },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const out = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm run build for ${projects.join(', ')} failed:\n${(out.stdout ?? '').slice(-4000)}${(out.stderr ?? '').slice(-2000)}`);
  }
}
