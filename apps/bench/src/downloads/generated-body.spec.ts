import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { BLOCK_BYTES, GeneratedBody, parseRange, serveBody, type BodyCounters } from './generated-body.ts';

const block = randomBytes(BLOCK_BYTES);
const whole = (body: GeneratedBody): Buffer => Buffer.concat([...body.chunks(0, body.size)]);

describe('generated body', () => {
  it('is the block repeated, and any range of it is the same bytes as the whole', () => {
    const body = new GeneratedBody(3 * BLOCK_BYTES + 1234, block);
    const all = whole(body);
    expect(all.length).toBe(body.size);
    expect(all.subarray(BLOCK_BYTES, 2 * BLOCK_BYTES).equals(block)).toBe(true);
    for (const [start, end] of [[0, 10], [BLOCK_BYTES - 5, BLOCK_BYTES + 5], [2 * BLOCK_BYTES + 7, body.size]] as const) {
      expect(Buffer.concat([...body.chunks(start, end)]).equals(all.subarray(start, end))).toBe(true);
    }
    expect(body.sha256()).toBe(createHash('sha256').update(all).digest('hex'));
  });

  it('parses the one-range forms downloaders send', () => {
    expect(parseRange(undefined, 100)).toBeNull();
    expect(parseRange('bytes=10-', 100)).toEqual([10, 100]);
    expect(parseRange('bytes=10-19', 100)).toEqual([10, 20]);
    expect(parseRange('bytes=10-500', 100)).toEqual([10, 100]);
    expect(parseRange('bytes=100-', 100)).toBe('unsatisfiable');
    expect(parseRange('bytes=-5', 100)).toBeNull();
    expect(parseRange('items=1-2', 100)).toBeNull();
  });

  it('is served with Range and If-Range over HTTP', async () => {
    const body = new GeneratedBody(2 * BLOCK_BYTES, block);
    const counters: BodyCounters = { requests: 0, rangeRequests: 0, bytesSent: 0 };
    const server = http.createServer(serveBody(body, counters)).listen(0, '127.0.0.1');
    onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/body`;
    const all = whole(body);

    const full = await fetch(url);
    expect(full.status).toBe(200);
    expect(Buffer.from(await full.arrayBuffer()).equals(all)).toBe(true);

    const part = await fetch(url, { headers: { range: 'bytes=1000000-', 'if-range': body.etag } });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 1000000-${body.size - 1}/${body.size}`);
    expect(Buffer.from(await part.arrayBuffer()).equals(all.subarray(1_000_000))).toBe(true);

    const stale = await fetch(url, { headers: { range: 'bytes=10-', 'if-range': '"other"' } });
    expect(stale.status).toBe(200);
    await stale.arrayBuffer();
    expect((await fetch(url.replace('/body', '/nope'))).status).toBe(404);
    expect(counters).toMatchObject({ requests: 3, rangeRequests: 1 });
  });
});
