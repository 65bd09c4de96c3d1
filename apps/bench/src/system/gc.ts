import { setImmediate as nextTurn } from 'node:timers/promises';
import v8 from 'node:v8';
import vm from 'node:vm';

let cached: (() => void) | null = null;

/**
 * The `gc()` function, even when node was started without `--expose-gc` (`npm run bench` has no
 * way to pass it through tsx): setting the flag at runtime and reading `gc` from a fresh
 * context is V8's documented back door for this.
 */
export function exposeGc(): () => void {
  if (cached) return cached;
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') {
    cached = existing;
    return cached;
  }
  v8.setFlagsFromString('--expose-gc');
  cached = vm.runInNewContext('gc') as () => void;
  return cached;
}

/**
 * Full collections with event-loop turns between them, so weak callbacks and finalizers that
 * free more memory get to run before the heap is read.
 */
export async function collectGarbage(passes = 3): Promise<void> {
  const gc = exposeGc();
  for (let i = 0; i < passes; i++) {
    gc();
    await nextTurn();
  }
}

/** `heapUsed` after full collections, in bytes. */
export async function settledHeapUsed(): Promise<number> {
  await collectGarbage();
  return process.memoryUsage().heapUsed;
}
