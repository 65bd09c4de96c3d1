import type { Client } from '@courier/origin';
import { download } from './download.ts';
import { ProgressStream } from './progress.ts';
import type { DownloadOptions, DownloadProgress, DownloadResult } from './types.ts';

export interface DownloadWithProgress {
  /** Latest progress first-come (a slow reader skips stale reports); ends when the download settles. */
  progress: AsyncIterable<DownloadProgress>;
  /** The download itself. */
  done: Promise<DownloadResult>;
}

/**
 * `download()` with its progress as an async iterable, for progress bars:
 *
 * ```ts
 * const { progress, done } = downloadWithProgress(client, url, 'fw.bin');
 * for await (const p of progress) bar.render(p.bytes, p.total, p.rate, p.etaSeconds);
 * const result = await done;
 * ```
 * The iterable does not throw: the error is `done`'s.
 */
export function downloadWithProgress(client: Client, url: string, dst: string, options: DownloadOptions = {}): DownloadWithProgress {
  const stream = new ProgressStream();
  const own = options.onProgress;
  const done = download(client, url, dst, {
    ...options,
    onProgress: (p) => {
      own?.(p);
      stream.push(p);
    },
  });
  done.then(
    () => stream.end(),
    () => stream.end(),
  );
  return { progress: stream, done };
}
