import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleWithSources } from '../compile.ts';

const entry = fileURLToPath(new URL('./courier-download-main.ts', import.meta.url));

/**
 * Compiles the Courier child (`courier-download-main.ts` with `@courier/origin`,
 * `@courier/download` and their dependencies) into one ES module in `dir`, and returns its path.
 *
 * Why: run through `--import tsx`, the child carries tsx's loader thread and compiled-module
 * caches (~40 MiB of RSS before the first byte), which a library user's compiled build does not
 * have. The peak-RSS target is about the download, so the child runs as compiled JavaScript.
 */
export function bundleCourierChild(dir: string): Promise<string> {
  return bundleWithSources(entry, path.join(dir, 'courier-download-main.mjs'));
}
