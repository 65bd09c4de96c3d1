import { register } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Module hooks for `courier run`'s scripts, which may live anywhere, outside any package:
 * - `@courier/*` resolves as from this file, i.e. from Courier's own install: the script gets the
 *   very `@courier/scheduler` instance whose default transport the command set (a copy found
 *   beside the script would not see it), and a script needs no `npm install` of its own.
 * - the script's own files (its directory, not node_modules; not .cjs/.cts) load as ES modules,
 *   so top-level `await` works without a `"type": "module"` package.json beside them.
 * Inline (a data: URL) rather than a file, so the compiled CLI in dist/ carries it without a copy step.
 */
const hooksSource = `
let cliUrl;
let scriptDir;
export function initialize(data) {
  cliUrl = data.cliUrl;
  scriptDir = data.scriptDir;
}
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@courier/')) return next(specifier, { ...context, parentURL: cliUrl });
  return next(specifier, context);
}
export async function load(url, context, next) {
  const own = url.startsWith(scriptDir) && !url.includes('/node_modules/');
  if (own && /\\.(ts|js|mts|mjs)$/.test(new URL(url).pathname)) return next(url, { ...context, format: 'module' });
  return next(url, context);
}
`;

const registered = new Set<string>();

/** Installs the hooks for scripts in `script`'s directory (once per directory and process). */
export function registerScriptHooks(script: string): void {
  const scriptDir = pathToFileURL(`${dirname(script)}/`).href;
  if (registered.has(scriptDir)) return;
  registered.add(scriptDir);
  register(`data:text/javascript,${encodeURIComponent(hooksSource)}`, { data: { cliUrl: import.meta.url, scriptDir } });
}
