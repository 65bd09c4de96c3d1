import { Writable } from 'node:stream';
import type { DownloadProgress } from '@courier/download';
import { describe, expect, it } from 'vitest';
import { exitCodeFor, exitCodes } from '../exit-codes.ts';
import { formatBytes, formatEta, shownUrl } from './format.ts';
import { progressViewFor, type ProgressStream } from './progress-view.ts';

const MiB = 1024 * 1024;

/** A stream that keeps what is written; `isTTY` makes it look like a terminal to cli-progress. */
function sink(isTTY: boolean): ProgressStream & { text(): string } {
  let text = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  }) as Writable & { isTTY?: boolean; columns?: number };
  stream.isTTY = isTTY;
  stream.columns = 120;
  return Object.assign(stream, { text: () => text });
}

const at = (bytes: number, total: number | null, phase: DownloadProgress['phase'] = 'fetching'): DownloadProgress => ({
  bytes,
  total,
  rate: 10 * MiB,
  etaSeconds: total === null ? null : (total - bytes) / (10 * MiB),
  phase,
});

describe('fetch progress views', () => {
  it('on a terminal draws a bar with percentage, bytes, rate and ETA', () => {
    const out = sink(true);
    const view = progressViewFor(out, false);
    view.update(at(0, 100 * MiB));
    view.update(at(50 * MiB, 100 * MiB));
    view.stop();
    expect(out.text()).toMatch(/50 % \| 50\.0 MiB of 100\.0 MiB, 10\.0 MiB\/s, ETA 5 s/);
    // Redrawn in place (cursor to column 1), not line after line.
    expect(out.text()).toContain('\x1b[1G');
  });

  it('elsewhere prints one line per 10 % step reached, and a single line while verifying', () => {
    const out = sink(false);
    const view = progressViewFor(out, false);
    view.update(at(0, null, 'verifying'));
    view.update(at(5 * MiB, null, 'verifying'));
    for (let mib = 0; mib <= 100; mib += 3) view.update(at(mib * MiB, 100 * MiB));
    view.update(at(100 * MiB, 100 * MiB, 'done'));
    view.stop();
    const lines = out.text().trim().split('\n');
    expect(lines[0]).toBe('courier fetch: verifying what is already on disk before resuming');
    expect(lines.slice(1).map((l) => /: (\d+) %/.exec(l)?.[1])).toEqual(['0', '10', '20', '30', '40', '50', '60', '70', '80', '90']);
    expect(out.text()).not.toContain('\r');
  });

  it('with --quiet writes nothing', () => {
    const out = sink(true);
    const view = progressViewFor(out, true);
    view.update(at(1, 2));
    view.stop();
    expect(out.text()).toBe('');
  });
});

describe('fetch exit codes and formats', () => {
  it('map CourierError codes to the documented exit codes', () => {
    expect(exitCodeFor('HTTP_STATUS')).toBe(8);
    expect(exitCodeFor('CHECKSUM_MISMATCH')).toBe(4);
    expect(exitCodeFor('CONNECT_REFUSED')).toBe(5);
    expect(exitCodeFor('BODY_TIMEOUT')).toBe(5);
    expect(exitCodeFor('DISK_ERROR')).toBe(6);
    expect(exitCodeFor('BAD_PATH')).toBe(6);
    expect(exitCodeFor('RESOURCE_CHANGED')).toBe(7);
    expect(exitCodeFor('BAD_URL')).toBe(2);
    expect(exitCodeFor('INTERNAL')).toBe(1);
    expect(exitCodes.sigint).toBe(130);
  });

  it('format sizes, times and URLs for people', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1.5 * 1024)).toBe('1.5 KiB');
    expect(formatBytes(1024 ** 3)).toBe('1.0 GiB');
    expect(formatEta(null)).toBe('–');
    expect(formatEta(185)).toBe('3 min 05 s');
    expect(shownUrl('https://u:secret@example.com/fw.bin')).toBe('https://example.com/fw.bin');
  });
});
