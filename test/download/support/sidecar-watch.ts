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
  // Watch first, then look: a rename between the look and the watch cannot be missed.
  const events = watch(path.dirname(sidecar), { signal: stop.signal });
  try {
    if ((await durableOf(sidecar)) >= bytes) return;
    for await (const _event of events) {
      if ((await durableOf(sidecar)) >= bytes) return;
    }
  } catch (error) {
    if ((error as { name?: string }).name !== 'AbortError') throw error;
  } finally {
    stop.abort();
  }
}
