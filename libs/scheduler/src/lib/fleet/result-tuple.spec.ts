import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { RequestResult } from '@courier/queue';
import { describe, expect, it, onTestFinished } from 'vitest';
import { failureTuple, isStatusFailure, statusOnlyTuple, successTuple } from './result-tuple.ts';

function result(extra: Partial<RequestResult>): RequestResult {
  return {
    kind: 'request',
    status: 200,
    statusText: 'OK',
    headers: {},
    url: 'http://h/',
    redirects: [],
    timings: { startedAt: 0, headersMs: 1, totalMs: 2 },
    bodyBytes: 0,
    workerId: 'w',
    ...extra,
  };
}

describe('result tuples', () => {
  it('builds the in-process tuple: Title-Cased headers joined, no Transfer-Encoding, gzip decoded', async () => {
    const gz = gzipSync('hello there');
    const tuple = await successTuple(
      result({
        headers: { 'content-type': 'text/plain', 'x-many': ['a', 'b'], 'transfer-encoding': 'chunked', 'content-encoding': 'gzip', 'content-length': String(gz.length) },
        bodyBase64: gz.toString('base64'),
        bodyBytes: gz.length,
      }),
      '/nonexistent',
    );
    expect(tuple).toEqual(['hello there', 200, { 'Content-Type': 'text/plain', 'X-Many': 'a, b', 'Content-Length': '11' }, 'OK']);
  });

  it('reads a large body from the results directory, and only from inside it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'courier-fleet-results-'));
    onTestFinished(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'x.body'), 'big body');
    expect(await successTuple(result({ bodyFile: 'x.body', bodyBytes: 8 }), dir)).toEqual(['big body', 200, {}, 'OK']);
    expect(await successTuple(result({ bodyFile: '../etc/passwd' }), dir)).toEqual([null, 'Protocol Error']);
    expect(await successTuple(result({ bodyFile: 'missing.body' }), dir)).toEqual([null, 'Protocol Error']);
    // A link planted under a body file's name is refused, never followed (as the API refuses it).
    await writeFile(join(dir, 'secret'), 'not a body');
    await symlink(join(dir, 'secret'), join(dir, 'planted.body'));
    expect(await successTuple(result({ bodyFile: 'planted.body', bodyBytes: 10 }), dir)).toEqual([null, 'Protocol Error']);
    await mkdir(join(dir, 'sub.body'));
    expect(await successTuple(result({ bodyFile: 'sub.body' }), dir)).toEqual([null, 'Protocol Error']);
  });

  it('maps a job error code to Pluto’s reason', () => {
    expect(failureTuple({ code: 'CONNECT_REFUSED', message: 'x' })).toEqual([null, 'TCP Handshake Failed']);
    expect(failureTuple({ code: 'TOTAL_TIMEOUT', message: 'x' })).toEqual([null, 'Request Timed Out']);
    expect(failureTuple({ code: 'NO_SUCH_CODE' as never, message: 'x' })).toEqual([null, 'Protocol Error']);
    const status = { code: 'HTTP_STATUS' as const, message: 'upstream answered 404 Not Found', status: 404 };
    expect(isStatusFailure(status)).toBe(true);
    expect(statusOnlyTuple(status)).toEqual(['', 404, {}, 'Not Found']);
  });
});
