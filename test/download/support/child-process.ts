// Runs download-child.ts in its own node process and turns its JSON lines into awaitable events.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { onTestFinished } from 'vitest';
import type { ChildArgs } from './download-child.ts';

const script = fileURLToPath(new URL('./download-child.ts', import.meta.url));
const workspace = fileURLToPath(new URL('../../../', import.meta.url));

export interface ChildEvent {
  event: 'started' | 'progress' | 'done' | 'error';
  [key: string]: unknown;
}

export interface DownloadChild {
  process: ChildProcess;
  readonly events: ChildEvent[];
  /** Resolves with the first event (already seen or coming) that matches. */
  next(match: (e: ChildEvent) => boolean): Promise<ChildEvent>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  stderr(): string;
}

export function startDownloadChild(args: ChildArgs): DownloadChild {
  const child = spawn(process.execPath, ['--conditions=@courier/source', '--import', 'tsx', script, JSON.stringify(args)], {
    cwd: workspace,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  const events: ChildEvent[] = [];
  const waiters: Array<{ match: (e: ChildEvent) => boolean; resolve: (e: ChildEvent) => void }> = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  createInterface({ input: child.stdout }).on('line', (line) => {
    let event: ChildEvent;
    try {
      event = JSON.parse(line) as ChildEvent;
    } catch {
      stderr += `${line}\n`;
      return;
    }
    events.push(event);
    for (const w of [...waiters]) {
      if (w.match(event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(event);
      }
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    process: child,
    events,
    next(match) {
      const seen = events.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ match, resolve });
        void exited.then(() => {
          // The child is gone: whatever has not come will not.
          const late = events.find(match);
          if (late) resolve(late);
          else reject(new Error(`child exited without the awaited event; stderr:\n${stderr}`));
        });
      });
    },
    exited,
    stderr: () => stderr,
  };
}

/** Resolves once `n` of the children have sent an event that matches (the others may never). */
export function someOf(children: readonly DownloadChild[], n: number, match: (e: ChildEvent) => boolean): Promise<void> {
  return new Promise((resolve) => {
    let count = 0;
    for (const child of children) {
      child.next(match).then(
        () => ++count === n && resolve(),
        () => {},
      );
    }
  });
}
