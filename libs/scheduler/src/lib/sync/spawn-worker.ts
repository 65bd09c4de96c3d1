import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type MessagePort } from 'node:worker_threads';
import type { SyncWorkerData } from './protocol.ts';

/**
 * tsx's ESM API (`tsx/esm/api`). Its package maps the specifier to a `.cjs` file under
 * `require` and to the `.mjs` sibling under `import`; a worker needs the ESM one (the CommonJS
 * build registers its hooks from a path that does not exist when loaded this way).
 */
function tsxEsmApiUrl(): string {
  const path = createRequire(import.meta.url).resolve('tsx/esm/api');
  return pathToFileURL(path.replace(/\.cjs$/, '.mjs')).href;
}

/**
 * Starts the worker thread. From the sources (`.ts`), Node cannot load the worker without a
 * loader, and `execArgv: ['--import', 'tsx']` is not honoured for worker threads on Node 20:
 * the bootstrap registers tsx's hooks itself, then imports the worker. `--conditions` makes
 * `@courier/origin` resolve to its sources there too. A bootstrap failure is reported through
 * the same channel as answers, so the caller never sleeps on a worker that is not there.
 */
export function spawnSyncWorker(data: SyncWorkerData, transfer: MessagePort): Worker {
  const here = import.meta.url;
  const fromSource = here.endsWith('.ts');
  const workerUrl = new URL(fromSource ? './sync-worker.ts' : './sync-worker.js', here).href;
  const load = fromSource
    ? `import(${JSON.stringify(tsxEsmApiUrl())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(workerUrl)}); })`
    : `import(${JSON.stringify(workerUrl)})`;
  const bootstrap = `
    const { workerData } = require('node:worker_threads');
    ${load}.catch((error) => {
      workerData.port.postMessage({ id: 0, fatal: String((error && error.stack) || error) });
      Atomics.store(workerData.signal, 0, 2);
      Atomics.notify(workerData.signal, 0);
    });`;
  return new Worker(bootstrap, {
    eval: true,
    workerData: data,
    transferList: [transfer],
    ...(fromSource ? { execArgv: ['--conditions=@courier/source'] } : {}),
  });
}
