import type { DownloadProgress } from '@courier/download';
// cli-progress is CommonJS: node's ESM loader sees only its default export.
import cliProgress, { type Options, type Params, type SingleBar } from 'cli-progress';
import { formatBytes, formatEta, formatRate } from './format.ts';

/** Where `courier fetch` shows its progress: a bar on a terminal, a few lines elsewhere, or nothing. */
export interface ProgressView {
  update(progress: DownloadProgress): void;
  /** Stops drawing (the end, or before a message is printed); safe to call twice. */
  stop(): void;
}

/** The stream progress goes to: stderr, or a test's stand-in. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

/** The view for this stream: a bar on a TTY, one line per ~10 % otherwise, nothing with `quiet`. */
export function progressViewFor(stream: ProgressStream, quiet: boolean): ProgressView {
  if (quiet) return { update() {}, stop() {} };
  return stream.isTTY ? new BarView(stream) : new LineView(stream);
}

/** What a progress report says, in words: `512.0 MiB of 1.0 GiB, 85.3 MiB/s, ETA 6 s`. */
export function describe(p: DownloadProgress): string {
  if (p.phase === 'verifying') return `verifying ${formatBytes(p.bytes)} already downloaded`;
  const amount = p.total === null ? formatBytes(p.bytes) : `${formatBytes(p.bytes)} of ${formatBytes(p.total)}`;
  return `${amount}, ${formatRate(p.rate)}, ETA ${formatEta(p.etaSeconds)}`;
}

/**
 * The terminal bar, drawn by cli-progress (a well-kept library: it handles the terminal width,
 * redraw throttling and the cursor, which a hand-written renderer would get subtly wrong).
 * Rate and ETA are the download's own (measured over the last second), not cli-progress's.
 */
class BarView implements ProgressView {
  readonly #bar: SingleBar;
  #started = false;
  #stopped = false;

  constructor(stream: ProgressStream) {
    this.#bar = new cliProgress.SingleBar({
      stream,
      format: (options: Options, params: Params, payload: { line?: string }) => {
        const line = payload.line ?? '';
        // Unknown size (no Content-Length): no bar, only the figures.
        return params.total > 0 ? `${cliProgress.Format.BarFormat(params.progress, options)} ${Math.floor(params.progress * 100)} % | ${line}` : line;
      },
      barsize: 30,
      hideCursor: true,
      fps: 10,
      clearOnComplete: false,
      linewrap: false,
    });
  }

  update(p: DownloadProgress): void {
    if (this.#stopped) return;
    const payload = { line: describe(p) };
    const total = p.total ?? 0;
    if (!this.#started) {
      this.#bar.start(total, p.bytes, payload);
      this.#started = true;
      return;
    }
    if (total !== this.#bar.getTotal()) this.#bar.setTotal(total);
    this.#bar.update(p.bytes, payload);
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#started) this.#bar.stop();
  }
}

/** Seconds between two lines when the size is unknown (no percentage to step on). */
const UNKNOWN_SIZE_LINE_INTERVAL_MS = 10_000;

/**
 * Not a terminal (a log, a pipe, CI): one line at each 10 % step crossed, instead of a bar that
 * would fill the log with carriage returns.
 */
class LineView implements ProgressView {
  readonly #stream: ProgressStream;
  #lastStep = -1;
  #lastLineAt = 0;
  #verifying = false;
  #stopped = false;

  constructor(stream: ProgressStream) {
    this.#stream = stream;
  }

  update(p: DownloadProgress): void {
    if (this.#stopped) return;
    if (p.phase === 'verifying') {
      // One line: the count grows from 0 while the part is hashed, the bar shows that, a log need not.
      if (!this.#verifying) this.#print('verifying what is already on disk before resuming');
      this.#verifying = true;
      return;
    }
    if (p.phase === 'done') return;
    if (p.total === null || p.total === 0) {
      const now = performance.now();
      if (now - this.#lastLineAt >= UNKNOWN_SIZE_LINE_INTERVAL_MS) this.#print(describe(p));
      return;
    }
    const step = Math.floor((p.bytes / p.total) * 10);
    if (step <= this.#lastStep || step >= 10) return;
    this.#lastStep = step;
    this.#print(`${step * 10} % (${describe(p)})`);
  }

  #print(text: string): void {
    this.#lastLineAt = performance.now();
    this.#stream.write(`courier fetch: ${text}\n`);
  }

  stop(): void {
    this.#stopped = true;
  }
}
