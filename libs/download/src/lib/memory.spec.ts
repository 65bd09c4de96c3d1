import { describe, expect, it } from 'vitest';
import { download } from '../index.ts';
import { serveGeneratedFile } from '../../../../test/download/support/generated-file.ts';
import { client, fixture, sha256File, tempDir } from '../../../../test/download/support/setup.ts';

const MiB = 1024 * 1024;

describe('memory stays flat', () => {
  it('a 200 MiB body read slower than it is sent holds a bounded number of unacknowledged bytes', async () => {
    const origin = await fixture();
    const size = 200 * MiB;
    const file = serveGeneratedFile(origin, '/big.bin', { size });
    const root = await tempDir();
    let maxHeld = 0;
    let samples = 0;

    // The origin could send 200 MiB in well under a second on loopback; the download is capped
    // at 50 MiB/s, so anything not held back by backpressure would pile up in this process.
    // "Held" = bytes the origin handed to its kernel minus bytes on our disk: socket buffers on
    // both sides, undici, the body stream and the write batches, all of it.
    const result = await download(client(), file.url, 'big.bin', {
      root,
      bandwidthBytesPerSec: 50 * MiB,
      progressIntervalMs: 0,
      onProgress: (p) => {
        samples += 1;
        maxHeld = Math.max(maxHeld, file.bytesSent - p.bytes);
      },
    });

    expect(result.bytes).toBe(size);
    expect(samples).toBeGreaterThan(50);
    expect(maxHeld).toBeLessThan(24 * MiB);
    expect(await sha256File(result.dst)).toBe(file.sha256());
  });
});
