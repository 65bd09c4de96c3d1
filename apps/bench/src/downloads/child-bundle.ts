import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
    conditions: string[];
    absWorkingDir: string;
    banner: { js: string };
    logLevel: 'error';
  }): Promise<unknown>;
}

const entry = fileURLToPath(new URL('./courier-download-main.ts', import.meta.url));

/**
 * esbuild as installed with tsx (a root devDependency, which bundles TypeScript with it): the
 * bench needs the very compiler tsx uses, and declaring a second copy would only risk two
 * versions. Resolved from tsx's own location so hoisting does not matter.
 */
function loadEsbuild(): Esbuild {
  const fromTsx = createRequire(createRequire(path.join(repoRoot, 'package.json')).resolve('tsx/package.json'));
  return fromTsx('esbuild') as Esbuild;
}

/**
 * Compiles the Courier child (`courier-download-main.ts` with `@courier/origin`,
 * `@courier/download` and their dependencies) into one ES module in `dir`, and returns its path.
 *
 * Why: run through `--import tsx`, the child carries tsx's loader thread and compiled-module
 * caches (~40 MiB of RSS before the first byte), which a library user's compiled build does not
 * have. The peak-RSS target is about the download, so the child runs as compiled JavaScript.
 */
export async function bundleCourierChild(dir: string): Promise<string> {
  const outfile = path.join(dir, 'courier-download-main.mjs');
  await loadEsbuild().build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: `node${process.versions.node.split('.')[0]}`,
    // The workspace packages export their TypeScript sources under this condition.
    conditions: ['@courier/source'],
    absWorkingDir: repoRoot,
    // CommonJS dependencies (undici, ioredis) call require(): give the ES module one.
    banner: { js: "import { createRequire as __courierCreateRequire } from 'node:module'; const require = __courierCreateRequire(import.meta.url);" },
    logLevel: 'error',
  });
  return outfile;
}
