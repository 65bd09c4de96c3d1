// Waits, on filesystem events rather than a timer, until a part's sidecar says that at least
// `bytes` are durable on disk (the checkpoint a resume after a crash trusts).
import { watch, readFile } from 'node:fs/promises';
import path from 'node:path';

async function durableOf(sidecar: string): Promise<number> {
  try {
    const parsed = JSON.parse(await readFile(sidecar, 'utf8')) as { durable?: unknown };
    return typeof parsed.durable === 'number' ? parsed.durable : -1;
  } catch {
    return -1;
  }
}

export async function waitForDurable(sidecar: string, bytes: number): Promise<void> {
  const stop = new AbortController();
  // fs/promises' watch() is an async generator: the watcher starts at the first next(), not at
  // watch(). Start it before looking, so a rename between the look and the watch is not missed
  // (it was, and the crash test then waited forever on a sidecar that already said `bytes`).
  const events = watch(path.dirname(sidecar), { signal: stop.signal })[Symbol.asyncIterator]();
  let next = events.next();
  try {
    if ((await durableOf(sidecar)) >= bytes) return;
    for (;;) {
      if ((await next).done) return;
      // Re-arm before reading: an event that fires while the file is read is then kept.
      next = events.next();
      if ((await durableOf(sidecar)) >= bytes) return;
    }
  } catch (error) {
    if ((error as { name?: string }).name !== 'AbortError') throw error;
  } finally {
    stop.abort();
    // The pending next() rejects with AbortError once stopped: nobody awaits it any more.
    next.catch(() => {});
  }
}
