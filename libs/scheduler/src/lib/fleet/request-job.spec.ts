import { parseJob } from '@courier/queue';
import { describe, expect, it } from 'vitest';
import { buildRequest } from '../http/build-request.ts';
import { requestJobFor } from './request-job.ts';

describe('requestJobFor', () => {
  it('carries the request as built in-process: method, Title-Cased headers in order, body, Pluto options and limits', () => {
    const spec = buildRequest('http://u:p@127.0.0.1:8080/a?b=1', {
      body: 'hi',
      headers: { 'x-one': 1, 'user-agent': 'mine' },
      dont_reuse: true,
      dont_make_reusable: true,
      prefer_ipv6: true,
    });
    const job = requestJobFor(spec);
    expect(job).toEqual({
      kind: 'request',
      url: 'http://127.0.0.1:8080/a?b=1',
      method: 'POST',
      headers: [
        ['User-Agent', 'mine'],
        ['Accept-Encoding', 'deflate, gzip'],
        ['X-One', '1'],
      ],
      body: 'hi',
      dontReuse: true,
      dontMakeReusable: true,
      preferIpv6: true,
      maxRedirects: 0,
      totalTimeoutMs: 30_000,
      headersTimeoutMs: 0,
      bodyTimeoutMs: 0,
      // The method goes out as given, and the worker runs the job under Pluto's pool.
      verbatimMethod: true,
      plutoPool: true,
    });
    // The queue takes it as it is (its parse is idempotent on it).
    expect(parseJob(job)).toEqual(job);
  });

  it('sends bytes as base64 and keeps the empty payload that asks for Content-Length: 0', () => {
    const bytes = requestJobFor(buildRequest({ url: 'http://h/', method: 'PUT', body: new Uint8Array([0, 255, 1]) }));
    expect(bytes.body).toEqual({ base64: Buffer.from([0, 255, 1]).toString('base64') });
    expect(requestJobFor(buildRequest({ url: 'http://h/', method: 'DELETE' })).body).toBe('');
    const plain = requestJobFor(buildRequest('http://h/'));
    expect(plain).not.toHaveProperty('body');
    expect(plain).not.toHaveProperty('dontReuse');
  });
});
