import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProjects, bundleAgainstBuild, bundleWithSources, compiledDir } from '../compile.ts';

const libraryEntry = fileURLToPath(new URL('./courier-download-main.ts', import.meta.url));
const workerEntry = fileURLToPath(new URL('./worker-download-main.ts', import.meta.url));

/**
 * Compiles the Courier child (`courier-download-main.ts` with `@courier/origin`,
 * `@courier/download` and their dependencies) into one ES module in `dir`, and returns its path.
 *
 * Why: run through `--import tsx`, the child carries tsx's loader thread and compiled-module
 * caches (~40 MiB of RSS before the first byte), which a library user's compiled build does not
 * have. The peak-RSS target is about the download, so the child runs as compiled JavaScript.
 */
export function bundleCourierChild(dir: string): Promise<string> {
  return bundleWithSources(libraryEntry, path.join(dir, 'courier-download-main.mjs'));
}

/**
 * The worker child compiled as the Docker image runs Courier: `npm run build` of `libs/worker` and
 * the libraries it uses (from Nx's cache when nothing changed), and `worker-download-main.ts`
 * compiled against that build. Not one bundle like the library child: the queue reads its Redis
 * scripts and its version from files beside its modules, which only the built package keeps.
 */
export async function bundleWorkerChild(): Promise<string> {
  await buildProjects(['worker']);
  return bundleAgainstBuild(workerEntry, path.join(compiledDir, 'downloads-worker-main.mjs'));
}
