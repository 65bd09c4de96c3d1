// A child's output as lines, with a wait for the n-th one that matches (an event, not a sleep).
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface LineLog {
  readonly lines: string[];
  /** Resolves with the lines so far once `count` of them match `pattern`; rejects when the child exits first. */
  waitFor(pattern: RegExp, count?: number): Promise<string[]>;
}

/** Collects stdout and stderr of `child` line by line. */
export function lineLog(child: ChildProcess): LineLog {
  const lines: string[] = [];
  const waiters = new Set<() => void>();
  let exited = false;
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    createInterface({ input: stream }).on('line', (line) => {
      lines.push(line);
      for (const wake of waiters) wake();
    });
  }
  child.once('exit', () => {
    exited = true;
    for (const wake of waiters) wake();
  });
  return {
    lines,
    waitFor(pattern, count = 1) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (lines.filter((l) => pattern.test(l)).length >= count) {
            waiters.delete(check);
            resolve([...lines]);
          } else if (exited) {
            waiters.delete(check);
            reject(new Error(`exited before ${count} lines matched ${pattern}:\n${lines.join('\n')}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}
